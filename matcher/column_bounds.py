"""Occupation proximity and contract fit of many candidates at once, from the filter table.

Both features are exact from the table (:class:`indexer.doc_table.Columns`): a candidate's
ROME codes with their confidence, and its contract types. These functions give the values
:func:`matcher.features.occupation_proximity` and :func:`matcher.features.contract_match`
give one candidate at a time, for every row of the columns in array operations: a request
bounds hundreds of candidates, and the codes they share are looked up once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from indexer.doc_table import Entries
from matcher.features import code_proximity
from skills_taxonomy import Taxonomy

Array = npt.NDArray[np.float64]


def occupation_values(romes: Entries, fixed: Mapping[str, float], taxonomy: Taxonomy,
                      size: int, without_codes: float) -> Array:
    """For each of ``size`` rows, the proximity of its occupations to the ``fixed`` side's
    (ROME code → confidence): the best pair's relation value times both confidences (each
    capped at 1), as :func:`~matcher.features.occupation_proximity` has it (the relation is
    symmetric); ``without_codes`` for a row that names none."""
    values = np.zeros(size)
    if len(romes.codes):
        distinct, position = np.unique(romes.codes, return_inverse=True)
        labels = [romes.vocabulary[code] for code in distinct.tolist()]
        own = np.minimum(romes.weights, 1.0)
        best = np.zeros(len(romes.codes))
        for code, confidence in fixed.items():
            relation = np.array([code_proximity(code, label, taxonomy).value
                                 for label in labels])[position]
            best = np.maximum(best, relation * (min(confidence, 1.0) * own))
        np.maximum.at(values, romes.owner, best)
    values[np.bincount(romes.owner, minlength=size) == 0] = without_codes
    return values


def offered_contract_fit(contracts: Entries, wished: Sequence[str], size: int) -> Array:
    """For each of ``size`` offers (rows), 1 when its contract type (its first value) is one
    of the ``wished``, 0 when not; NaN when it has none or nothing is wished."""
    fit = np.full(size, np.nan)
    if not wished or not len(contracts.codes):
        return fit
    first = np.ones(len(contracts.owner), dtype=bool)
    first[1:] = contracts.owner[1:] != contracts.owner[:-1]
    wished_codes = [contracts.code_of[value] for value in wished if value in contracts.code_of]
    fit[contracts.owner[first]] = np.isin(contracts.codes[first], wished_codes)
    return fit


def wished_contract_fit(contracts: Entries, offered: str | None, size: int) -> Array:
    """For each of ``size`` seekers (rows), 1 when the ``offered`` contract type is among
    their wishes, 0 when not; NaN when they wish none or the offer names no type."""
    fit = np.full(size, np.nan)
    if not offered:
        return fit
    fit[np.bincount(contracts.owner, minlength=size) > 0] = 0.0
    code = contracts.code_of.get(offered)
    if code is not None:
        fit[contracts.owner[contracts.codes == code]] = 1.0
    return fit
