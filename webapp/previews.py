"""What a tag edit changes in a seeker's top offers: before, after, entering and leaving."""

from __future__ import annotations

from dataclasses import dataclass

from indexer.models import Profile
from matcher.engine import Engine
from webapp.summaries import Result, offer_results


@dataclass(frozen=True, slots=True)
class Preview:
    """The seeker's offers before and after an edit, with those that enter and leave."""

    before: list[Result]
    after: list[Result]

    @property
    def entered_ids(self) -> set[str]:
        """Ids in the new top offers that were not in the old ones."""
        return {m.id for m, _ in self.after} - {m.id for m, _ in self.before}

    @property
    def left_ids(self) -> set[str]:
        """Ids that were in the old top offers and are no more."""
        return {m.id for m, _ in self.before} - {m.id for m, _ in self.after}

    @property
    def before_ranks(self) -> dict[str, tuple[int, float]]:
        """Each offer's rank (from 1) and score before the edit."""
        return {m.id: (rank, m.score) for rank, (m, _) in enumerate(self.before, start=1)}

    @property
    def entered(self) -> list[Result]:
        """The entering offers, in their new order."""
        return [row for row in self.after if row[0].id in self.entered_ids]

    @property
    def left(self) -> list[Result]:
        """The leaving offers, in their old order."""
        return [row for row in self.before if row[0].id in self.left_ids]


def preview(engine: Engine, before: Profile, after: Profile, top: int) -> Preview:
    """The engine's preview of the edit (:meth:`matcher.engine.Engine.preview_change`), with
    the summaries the pages and the API show."""
    change = engine.preview_change(before, after, top)
    return Preview(offer_results(engine, change.before), offer_results(engine, change.after))
