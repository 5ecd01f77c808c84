"""Helpers shared by the HTML views."""

from __future__ import annotations

from flask import current_app

from indexer.models import Offer
from matcher.engine import Engine
from webapp.summaries import commune_name, place_label


def picker_limit() -> int:
    """How many entries a select list offers at most."""
    return int(current_app.config["PICKER_LIMIT"])


def offer_choices(engine: Engine) -> list[tuple[str, str]]:
    """(id, label) pairs for the offer select list: the title and the commune."""
    choices: list[tuple[str, str]] = []
    for offer_id in engine.offers.ids()[: picker_limit()]:
        offer: Offer | None = engine.offers.get(offer_id)
        if offer is not None:
            where = commune_name(engine, offer.place) or place_label(offer.place)
            choices.append((offer_id, f"{offer.title} — {where}" if where else offer.title))
    return sorted(choices, key=lambda choice: choice[1].lower())
