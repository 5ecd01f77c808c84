"""What an edit of a seeker's profile changes in their top offers, said plainly: the offers
that enter, leave or move, and — when nothing changes — why.

An edit can leave the list as it is for reasons a counsellor cannot see from the list alone:
the seeker's radius holds only a few offers, all already listed; no offer within reach asks
for the added skill; the added occupation has no offer within the radius. :func:`preview`
finds which, from the offers the seeker can reach (their radius and contract types).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.distance import haversine_km
from indexer.models import Offer, Profile
from matcher.analytics.snapshot import snapshot
from matcher.engine import Engine
from webapp.formatting import count, km, of
from webapp.summaries import Result, commune_name, occupation_label, offer_results, place_label


@dataclass(frozen=True, slots=True)
class Move:
    """An offer in both lists, and its rank (from 1) before and after."""

    row: Result
    before: int
    after: int

    @property
    def places(self) -> int:
        """Places gained (negative: lost)."""
        return self.before - self.after


@dataclass(frozen=True, slots=True)
class Preview:
    """The seeker's offers before and after an edit, with those that enter, leave and move,
    and sentences that explain the result (why nothing changed, what cannot help)."""

    before: list[Result]
    after: list[Result]
    notes: list[str] = field(default_factory=list)

    @property
    def entered_ids(self) -> set[str]:
        """Ids in the new top offers that were not in the old ones."""
        return {m.id for m, _ in self.after} - {m.id for m, _ in self.before}

    @property
    def left_ids(self) -> set[str]:
        """Ids that were in the old top offers and are no more."""
        return {m.id for m, _ in self.before} - {m.id for m, _ in self.after}

    @property
    def before_ranks(self) -> dict[str, int]:
        """Each offer's rank (from 1) before the edit."""
        return {m.id: rank for rank, (m, _) in enumerate(self.before, start=1)}

    @property
    def entered(self) -> list[Result]:
        """The entering offers, in their new order."""
        return [row for row in self.after if row[0].id in self.entered_ids]

    @property
    def left(self) -> list[Result]:
        """The leaving offers, in their old order."""
        return [row for row in self.before if row[0].id in self.left_ids]

    @property
    def moves(self) -> list[Move]:
        """The offers in both lists whose rank changed, in their new order."""
        ranks = self.before_ranks
        return [Move(row, ranks[row[0].id], rank)
                for rank, row in enumerate(self.after, start=1)
                if row[0].id in ranks and ranks[row[0].id] != rank]

    @property
    def unchanged(self) -> bool:
        """True when the list is exactly the same, in the same order."""
        return [m.id for m, _ in self.before] == [m.id for m, _ in self.after]


def reachable_offers(engine: Engine, profile: Profile) -> list[tuple[Offer, float | None]]:
    """The offers a seeker's hard wishes let through: within their radius (when they have a
    radius and a place) and of their contract types (when they have some), with distances."""
    point = profile.place.point if profile.place else None
    radius = profile.radius_km or engine.settings.matching.default_radius_km
    contracts = set(profile.contract_types)
    reachable = []
    for placed in snapshot(engine).offers:
        offer = placed.offer
        if contracts and offer.contract_type not in contracts:
            continue
        where = placed.location.point
        distance = haversine_km(point, where) if point is not None and where else None
        if radius and point is not None and (distance is None or distance > radius):
            continue
        reachable.append((offer, distance))
    return reachable


def _radius_words(engine: Engine, profile: Profile) -> str:
    radius = profile.radius_km or engine.settings.matching.default_radius_km
    place = commune_name(engine, profile.place) or place_label(profile.place)
    if not radius:
        return "sans limite de distance"
    return f"dans son rayon de {km(radius)}" + (f" autour {of(place)}" if place else "")


def explain(engine: Engine, before: Profile, after: Profile, result: Preview,
            top: int) -> list[str]:
    """Sentences about the edit: why the list did not change, and which added skills or
    occupations no reachable offer has (so they cannot bring any in)."""
    reachable = reachable_offers(engine, after)
    notes = []
    where = _radius_words(engine, after)
    added_codes = [c for c in after.rome_codes if c not in before.rome_codes]
    for code in added_codes:
        same = [(o, d) for o, d in reachable if o.rome_code == code]
        if not same:
            notes.append(f"Aucune offre de « {occupation_label(engine, code)} » {where} : "
                         "ce métier ne peut faire entrer aucune offre.")
    before_keys = {tag.code or tag.label.lower() for tag in before.skills}
    for tag in after.skills:
        if (tag.code or tag.label.lower()) in before_keys:
            continue
        asked = [o for o, _ in reachable if any(
            (tag.code and s.code == tag.code) or s.label.lower() == tag.label.lower()
            for s in o.skills)]
        if not asked:
            notes.append(f"Aucune des {count(len(reachable), 'offre')} accessibles {where} "
                         f"ne demande « {tag.label} » : cette compétence ne peut compter que "
                         "par sa proximité avec celles des offres.")
    if result.unchanged:
        shown = len(result.after)
        others = len(reachable) - shown
        if others <= 0 and shown < top:
            notes.insert(0, f"La liste ne change pas : seules {count(len(reachable), 'offre')} "
                            f"sont accessibles {where}, et toutes y figurent déjà. Élargissez "
                            "le rayon ou ajoutez des types de contrat pour en voir d'autres.")
        elif shown < top:
            verb = "correspond" if others == 1 else "correspondent"
            rest = count(others, "autre offre", "autres offres")
            notes.insert(0, f"La liste ne change pas : {rest} "
                            f"accessible{'s' if others > 1 else ''} {where} ne {verb} pas "
                            "assez à son profil pour être proposée"
                            f"{'s' if others > 1 else ''}, même avec cette modification.")
        else:
            notes.insert(0, "La liste ne change pas : la modification fait varier les "
                            f"scores, mais pas assez pour changer l'ordre des {top} "
                            "premières offres.")
    return notes


def preview(engine: Engine, before: Profile, after: Profile, top: int) -> Preview:
    """The engine's preview of the edit (:meth:`matcher.engine.Engine.preview_change`), with
    the summaries the pages and the API show and the sentences that explain it."""
    change = engine.preview_change(before, after, top)
    result = Preview(offer_results(engine, change.before), offer_results(engine, change.after))
    return Preview(result.before, result.after, explain(engine, before, after, result, top))


def rank_note(move: Move) -> str:
    """'monte de 3 places (4e → 1re)' / 'descend d'une place (2e → 3e)'."""
    places = abs(move.places)
    amount = "d'une place" if places == 1 else f"de {places} places"
    verb = "monte" if move.places > 0 else "descend"
    return f"{verb} {amount} ({ordinal(move.before)} → {ordinal(move.after)})"


def ordinal(rank: int) -> str:
    """'1re', '2e', '10e'."""
    return "1re" if rank == 1 else f"{rank}e"


def summary_line(result: Preview) -> str:
    """'2 offres entrent, 1 sort, 3 changent de rang' (what is non-zero), or 'Aucun
    changement'."""
    parts = []
    entered, left, moved = len(result.entered), len(result.left), len(result.moves)
    if entered:
        parts.append(f"{count(entered, 'offre')} " + ("entre" if entered == 1 else "entrent"))
    if left:
        parts.append(f"{count(left, 'offre')} " + ("sort" if left == 1 else "sortent"))
    if moved:
        parts.append(f"{count(moved, 'offre')} " + ("change" if moved == 1 else "changent")
                     + " de rang")
    return ", ".join(parts) if parts else "Aucun changement dans la liste"
