"""Ids read back by key (:mod:`indexer.stores.id_keys`): the key of an id, and the map that
answers None wherever it cannot answer with certainty."""

from __future__ import annotations

import pytest

from indexer.stores import id_keys
from indexer.stores.id_keys import IdsByKey, id_key


def test_a_key_is_a_stable_signed_64_bit_value_distinct_per_id() -> None:
    ids = [f"GEN-O{number:07d}" for number in range(20_000)] + ["é-2", "offre 7", ""]
    keys = [id_key(doc_id) for doc_id in ids]
    assert keys == [id_key(doc_id) for doc_id in ids]  # the same in every call
    assert all(-(2**63) <= key < 2**63 for key in keys)
    assert len(set(keys)) == len(ids)
    assert min(keys) < 0 < max(keys)  # the whole signed range is used


def test_loaded_ids_are_found_by_key_and_unknown_keys_are_none() -> None:
    ids = ["b", "a", "offre-é", "c"]
    mapping = IdsByKey()
    assert not mapping.loaded and mapping.ids_of([id_key("a")]) == [None]
    mapping.load([id_key(doc_id) for doc_id in ids], ids)
    assert mapping.loaded and len(mapping) == 4
    asked = [id_key("c"), id_key("missing"), None, id_key("offre-é"), id_key("a")]
    assert mapping.ids_of(asked) == ["c", None, None, "offre-é", "a"]
    assert mapping.ids_of([]) == []


def test_a_document_without_a_key_is_skipped_when_loading() -> None:
    mapping = IdsByKey()
    mapping.load([None, id_key("b")], ["a", "b"])
    assert len(mapping) == 1
    assert mapping.ids_of([id_key("a"), id_key("b")]) == [None, "b"]


def test_removed_ids_map_to_none_until_added_again() -> None:
    mapping = IdsByKey()
    mapping.begin_load()
    mapping.load([id_key("a"), id_key("b")], ["a", "b"])
    mapping.add("c")
    mapping.remove("a")
    mapping.remove("c")
    assert mapping.ids_of([id_key("a"), id_key("b"), id_key("c")]) == [None, "b", None]
    mapping.add("a")
    assert mapping.ids_of([id_key("a"), id_key("c")]) == ["a", None]


def test_writes_while_loading_survive_the_load() -> None:
    """A server's warm-up reads the index while requests write: an id added meanwhile stays
    found, an id removed meanwhile stays hidden though the read index still held it."""
    mapping = IdsByKey()
    mapping.add("before")  # not recorded: no search reads the map before it is loaded
    mapping.begin_load()
    mapping.add("new")
    mapping.remove("gone")
    assert len(mapping) == 1
    mapping.load([id_key("gone"), id_key("kept")], ["gone", "kept"])
    assert mapping.ids_of([id_key("new"), id_key("gone"), id_key("kept"),
                           id_key("before")]) == ["new", None, "kept", None]


def test_a_key_two_loaded_ids_share_maps_to_none() -> None:
    mapping = IdsByKey()
    mapping.load([7, 7, 9, 9], ["a", "b", "c", "c"])  # "c" twice: one id, not a collision
    assert mapping.ids_of([7, 9]) == [None, "c"]
    mapping.add("a")  # adding one of them again cannot make the key certain
    assert mapping.ids_of([7]) == [None]


def test_a_key_an_added_id_shares_maps_to_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(id_keys, "id_key", lambda doc_id: 42)
    mapping = IdsByKey()
    mapping.load([42], ["a"])
    mapping.add("a")
    assert mapping.ids_of([42]) == ["a"]
    mapping.add("b")
    assert mapping.ids_of([42]) == [None]
    mapping.remove("b")
    mapping.add("b")
    assert mapping.ids_of([42]) == [None]  # shared once, never certain again
