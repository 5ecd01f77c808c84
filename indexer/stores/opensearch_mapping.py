"""The OpenSearch index definition of the keyword store: French analysis, fields, ``_meta``.

Bump ``MAPPING_VERSION`` whenever the body built here changes in a way that needs a rebuild;
the store compares it with the ``_meta`` of the live index and says when a rebuild is due.

Analysis (same chain at index and search time, plus job-title synonyms at search time):

- a char filter turns every character that is not a letter, a mark, a digit or an apostrophe
  into a space, so ``title:boulanger``, ``a.b`` or ``vendeur·se`` split like the embedded
  store's tokenizer splits them (the standard tokenizer would keep ``title:boulanger`` whole);
- the standard tokenizer, then elision of French articles (``l'``, ``d'``, ``qu'``…),
  lower-casing, French stop words (``_french_``), ASCII folding and the ``light_french``
  stemmer (which maps plurals to singulars, as the embedded store does);
- the search analyser adds a ``synonym_graph`` filter after lower-casing, before stop words
  (so that multi-word rules such as "agent d'entretien, agent de propreté" parse). Rules are
  given by the caller, e.g. built from the taxonomy's gendered appellation forms.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from indexer.settings import OpenSearchSettings

MAPPING_VERSION = 3
"""Version of the index body; stored in the mapping's ``_meta.mapping_version``.
2: titles and texts arrive normalised by ``skills_taxonomy.gender.normalise_forms`` (singular,
masculine). 3: concept ids (``concepts``) and the concepts' labels (``concept_text``)."""

INDEX_ANALYZER = "emploi_fr"
SEARCH_ANALYZER = "emploi_fr_search"
FRENCH_ARTICLES = ("l", "m", "t", "qu", "n", "s", "j", "d", "c",
                   "jusqu", "quoiqu", "lorsqu", "puisqu")
MAX_RESULT_WINDOW = 10_000
"""OpenSearch's default ``index.max_result_window``: the deepest ``top_k`` served."""


def _fold(text: str) -> str:
    """Lower-case and strip accents (NFKD, combining marks removed)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def synonym_rules(synonyms: Iterable[str]) -> list[str]:
    """Clean Solr-format synonym rules: blanks and ``#`` comments dropped, duplicates removed.

    Rules are parsed by the analysis chain *before* the synonym filter, which does not fold
    accents; so a rule with accents is also added in its folded form, and "électricien,
    électricienne" then matches "electricienne" typed without accents.
    """
    rules: dict[str, None] = {}
    for raw in synonyms:
        rule = " ".join(raw.split())
        if not rule or rule.startswith("#"):
            continue
        rules[rule] = None
        folded = _fold(rule)
        if folded != rule.lower():
            rules[folded] = None
    return list(rules)


def synonyms_checksum(rules: Sequence[str]) -> str:
    """SHA-256 of the rules, stored in ``_meta`` to tell whether the live index is current."""
    return hashlib.sha256(json.dumps(list(rules), ensure_ascii=False).encode()).hexdigest()


def analysis_settings(rules: Sequence[str]) -> dict[str, Any]:
    """The ``index.analysis`` settings: the French analyser, and its search twin."""
    base_filters = ["emploi_fr_elision", "lowercase"]
    tail_filters = ["emploi_fr_stop", "asciifolding", "emploi_fr_stemmer"]
    filters: dict[str, Any] = {
        "emploi_fr_elision": {"type": "elision", "articles_case": True,
                              "articles": list(FRENCH_ARTICLES)},
        "emploi_fr_stop": {"type": "stop", "stopwords": "_french_"},
        "emploi_fr_stemmer": {"type": "stemmer", "language": "light_french"},
    }
    search_filters = [*base_filters, *tail_filters]
    if rules:
        # lenient: a malformed rule (from a taxonomy label) is skipped, not fatal.
        filters["emploi_job_synonyms"] = {"type": "synonym_graph", "synonyms": list(rules),
                                          "lenient": True}
        search_filters = [*base_filters, "emploi_job_synonyms", *tail_filters]
    common = {"type": "custom", "char_filter": ["emploi_punctuation"], "tokenizer": "standard"}
    return {
        "char_filter": {
            "emploi_punctuation": {"type": "pattern_replace",
                                   "pattern": "[^\\p{L}\\p{M}\\p{N}'\u2019]+",
                                   "replacement": " "},
        },
        "filter": filters,
        "analyzer": {
            INDEX_ANALYZER: {**common, "filter": [*base_filters, *tail_filters]},
            SEARCH_ANALYZER: {**common, "filter": search_filters},
        },
    }


def mappings(rules: Sequence[str]) -> dict[str, Any]:
    """The field mappings (strict: an unknown field is an error) and ``_meta``."""
    text = {"type": "text", "analyzer": INDEX_ANALYZER, "search_analyzer": SEARCH_ANALYZER}
    return {
        "dynamic": "strict",
        "_meta": {
            "mapping_version": MAPPING_VERSION,
            "synonyms_sha256": synonyms_checksum(rules),
            "synonym_rules": len(rules),
            "application": "intelligence-emploi",
        },
        "properties": {
            "id": {"type": "keyword"},
            "title": text,
            "text": text,
            "rome_codes": {"type": "keyword"},
            "skill_codes": {"type": "keyword"},
            "contract_types": {"type": "keyword"},
            "concepts": {"type": "keyword"},
            "concept_text": text,
            "location": {"type": "geo_point"},
            "created_at": {"type": "date", "format": "strict_date_optional_time"},
            # Exact microseconds since the epoch: range filters use this field, so that
            # they match the reference semantics even below the millisecond of `date`.
            "created_at_us": {"type": "long"},
        },
    }


def shard_settings(settings: OpenSearchSettings, default_shards: int = 1) -> dict[str, Any]:
    """``number_of_shards`` and the replicas of a new index, from the settings."""
    shards: dict[str, Any] = {"number_of_shards": settings.shards or default_shards}
    if settings.replicas is None:
        shards["auto_expand_replicas"] = "0-1"
    else:
        shards["number_of_replicas"] = settings.replicas
    return shards


def index_body(rules: Sequence[str], *, building: bool = False,
               settings: OpenSearchSettings | None = None) -> dict[str, Any]:
    """The body of ``PUT /{index}``. ``building`` turns refresh off for a bulk rebuild.
    Shards and replicas come from ``settings`` (default: one shard, for BM25 statistics of
    the whole index, and one replica as soon as the cluster has a second node)."""
    index: dict[str, Any] = {
        **shard_settings(settings or OpenSearchSettings()),
        "max_result_window": MAX_RESULT_WINDOW,
        "analysis": analysis_settings(rules),
    }
    if building:
        index["refresh_interval"] = "-1"
    return {"settings": {"index": index}, "mappings": mappings(rules)}
