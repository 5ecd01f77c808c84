"""The best skill coverage a candidate can reach, from the filter table alone.

:func:`matcher.features.skill_credit` gives each skill an offer asks its importance times
the weight the seeker holds it with, or, when the seeker lacks it, at most the related-skill
credit (only a close held skill earns it, and the matcher learns which one only from the
record). Counting every lacking skill at that credit bounds the coverage from above, and is
exact for the held ones: the matcher reads and scores fewer candidates for the same top k.
Both directions are bounded: offers for a seeker (the table keeps each offer's asked skills
with their importance) and seekers for an offer (it keeps each seeker's held skills with
their weight).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from indexer.doc_table import Entries
from indexer.models import SkillTag
from indexer.skill_identity import IDENTITY_SEPARATOR, identities, skill_importance
from matcher.features import HeldSkills

Array = npt.NDArray[np.float64]


def offer_skill_bounds(asked: Entries | None, held: HeldSkills, unheld_credit: float,
                       size: int) -> Array:
    """For each of ``size`` rows, an upper bound of its skill coverage by ``held``; NaN
    when the row asks nothing (its coverage is unknown, as the exact score has it), 1 for
    every row when the table does not know what the rows ask (``asked`` None)."""
    if asked is None:
        return np.ones(size)
    holding = asked.parts(IDENTITY_SEPARATOR)
    held_weight = np.zeros(len(asked.vocabulary))  # per value: the best of its identities
    for key, weight in held.weight.items():
        codes = holding.get(key)
        if codes:
            held_weight[codes] = np.maximum(held_weight[codes], weight)
    got = held_weight[asked.codes]
    credit = asked.weights * np.where(got > 0, got, unheld_credit)
    total = np.bincount(asked.owner, weights=asked.weights, minlength=size)
    earned = np.bincount(asked.owner, weights=credit, minlength=size)
    bounds: Array = np.full(size, np.nan)
    positive = total > 0
    bounds[positive] = earned[positive] / total[positive]
    return bounds


def seeker_skill_bounds(asked: Sequence[SkillTag], held: Entries | None,
                        unheld_credit: float, size: int) -> Array:
    """For each of ``size`` seekers (rows of ``held``: their skills with the weight they hold
    each with), an upper bound of their coverage of the ``asked`` skills of one offer; NaN for
    every row when nothing is asked, 1 when the table does not know the seekers' skills."""
    importance = np.array([skill_importance(tag) for tag in asked], dtype=np.float64)
    total = sum(importance.tolist())
    if total <= 0:
        return np.full(size, np.nan)
    if held is None:
        return np.ones(size)
    asking: dict[str, list[int]] = {}  # identity → the asked skills that have it
    for position, tag in enumerate(asked):
        for key in identities(tag):
            asking.setdefault(key, []).append(position)
    matched_of: dict[int, set[int]] = {}  # held value → the asked skills it is
    got = np.zeros((size, len(asked)))
    for owner, code, weight in zip(held.owner.tolist(), held.codes.tolist(),
                                   held.weights.tolist(), strict=True):
        matched = matched_of.get(code)
        if matched is None:
            matched = matched_of[code] = {
                position for key in held.vocabulary[code].split(IDENTITY_SEPARATOR)
                for position in asking.get(key, ())}
        for position in matched:
            got[owner, position] = max(got[owner, position], weight)
    earned: Array = np.where(got > 0, got, unheld_credit) @ importance
    bounds: Array = earned / total
    return bounds
