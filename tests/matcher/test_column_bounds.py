"""Occupation proximity and contract fit of many rows at once, from the filter table: the
values worked out by hand, and the same as the one-candidate features on random rows."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from indexer.doc_table import DocTable
from indexer.stores.protocols import IndexedDoc
from matcher.column_bounds import occupation_values, offered_contract_fit, wished_contract_fit
from matcher.features import contract_match, occupation_proximity
from skills_taxonomy import Taxonomy

# In the mini ROME: D1211's parent sheet is D1214 (0.7); D1214 and M1203 are linked by
# mobility (0.5); A1101 relates to none of them.
ROWS = {"same": (("D1214",), (0.5,)), "parent": (("A1101", "D1211"), (1.0, 0.8)),
        "mobility": (("M1203",), (1.0,)), "unrelated": (("A1101",), (1.0,)),
        "none": ((), ())}


def _table(rows: dict[str, tuple[tuple[str, ...], tuple[float, ...]]],
           contracts: dict[str, tuple[str, ...]] | None = None) -> DocTable:
    contracts = contracts or {}
    return DocTable([IndexedDoc(id=doc_id, title=doc_id, text="", rome_codes=codes,
                                occupation_weights=weights,
                                contract_types=contracts.get(doc_id, ()))
                     for doc_id, (codes, weights) in rows.items()])


def test_each_row_gets_its_best_pair_times_both_confidences(mini_taxonomy: Taxonomy) -> None:
    ids = list(ROWS)
    columns = _table(ROWS).columns(ids)
    values = occupation_values(columns.romes, {"D1214": 0.9}, mini_taxonomy, len(ids),
                               without_codes=0.0)
    assert values.tolist() == pytest.approx([0.9 * 0.5, 0.7 * 0.9 * 0.8, 0.5 * 0.9, 0.0, 0.0])
    seekers = occupation_values(columns.romes, {"D1214": 0.9}, mini_taxonomy, len(ids),
                                without_codes=1.0)
    assert seekers[-1] == 1.0  # a seeker who names no code: taken at best
    assert seekers[:-1].tolist() == values[:-1].tolist()


def test_row_values_equal_the_one_candidate_feature(mini_taxonomy: Taxonomy) -> None:
    rng = random.Random(4)
    codes = ["D1214", "D1211", "M1203", "A1101", "K2111"]
    rows = {f"r{n}": (tuple(picked := rng.sample(codes, rng.randint(0, 3))),
                      tuple(rng.choice([0.3, 0.6, 1.0]) for _ in picked)) for n in range(60)}
    ids = list(rows)
    rng.shuffle(ids)
    columns = _table(rows).columns(ids)
    for fixed in ({"D1214": 1.0}, {"D1211": 0.7, "M1203": 1.0}, {}):
        values = occupation_values(columns.romes, fixed, mini_taxonomy, len(ids), 0.0)
        for position, doc_id in enumerate(ids):
            codes_of, weights_of = rows[doc_id]  # confidences as the table keeps them
            kept = np.asarray(weights_of, dtype=np.float32).tolist()
            row = dict(zip(codes_of, kept, strict=True))
            assert values[position] == occupation_proximity(fixed, row, mini_taxonomy).value
            assert values[position] == occupation_proximity(row, fixed, mini_taxonomy).value


def test_an_offer_fits_when_its_contract_type_is_wished() -> None:
    contracts = {"cdi": ("CDI",), "cdd": ("CDD",), "none": ()}
    ids = ["none", "cdd", "cdi"]
    columns = _table(dict.fromkeys(contracts, ((), ())), contracts).columns(ids)
    fit = offered_contract_fit(columns.contracts, ["CDI", "SAI"], 3)
    assert math.isnan(fit[0]) and fit[1:].tolist() == [0.0, 1.0]
    assert all(math.isnan(v) for v in offered_contract_fit(columns.contracts, [], 3))
    assert [contract_match(contracts[i][0] if contracts[i] else None, ["CDI", "SAI"])
            for i in ids[1:]] == fit[1:].tolist()


def test_a_seeker_fits_when_the_offered_type_is_among_their_wishes() -> None:
    wishes = {"both": ("CDD", "CDI"), "cdd": ("CDD",), "any": ()}
    ids = list(wishes)
    columns = _table(dict.fromkeys(wishes, ((), ())), wishes).columns(ids)
    fit = wished_contract_fit(columns.contracts, "CDI", 3)
    assert fit[:2].tolist() == [1.0, 0.0] and math.isnan(fit[2])
    assert wished_contract_fit(columns.contracts, "MIS", 3)[:2].tolist() == [0.0, 0.0]
    assert all(math.isnan(v) for v in wished_contract_fit(columns.contracts, None, 3))
