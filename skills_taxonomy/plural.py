"""Plural folding: French plurals to the singular, the one rule every component applies.

A minimal pass in the spirit of Lucene's ``FrenchMinimalStemmer``: "boulangers" → "boulanger",
"bureaux" → "bureau", "travaux" → "traval". It runs the same way on documents and queries, so
a rule that also rewrites an unrelated word changes nothing in what matches what. French stop
words that look like plurals ("dans", "les", "ces") are left alone: analysers drop them, so they
must reach them intact.
"""

from __future__ import annotations

import re

STOP_WORDS_LIKE_PLURALS = frozenset([
    "au", "aux", "avec", "ce", "ces", "dans", "de", "des", "du", "elle", "en", "et", "eux", "il",
    "ils", "je", "la", "le", "les", "leur", "leurs", "lui", "ma", "mais", "me", "même", "mes",
    "moi", "mon", "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que",
    "qui", "sa", "se", "ses", "sur", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos",
    "votre", "vous", "sans", "étais", "étions", "était", "avais", "avait", "ayons", "ayez",
    "eus", "eûmes", "fus", "fûmes", "serais", "serions", "aurais", "aurions", "êtes", "avez",
    "sont", "ont", "étées", "eues", "fusses",
])
"""Words of tantivy's French stop-word list (checked against its analyser) that look like
plurals or feminines."""

_WORD = re.compile(r"\w+")


def singular(word: str) -> str:
    """The singular of a French plural ("travaux" → "traval", "bureaux" → "bureau"); other
    words unchanged. Case is kept."""
    lower = word.lower()
    if len(word) < 4 or lower in STOP_WORDS_LIKE_PLURALS or lower.endswith("ss"):
        return word
    if lower.endswith("eaux"):
        return word[:-1]
    if lower.endswith("aux") and len(word) >= 5:
        return word[:-2] + "l"
    if lower.endswith(("s", "x")):
        return word[:-1]
    return word


def strip_plurals(text: str) -> str:
    """Every plural word of ``text`` in the singular."""
    return _WORD.sub(lambda match: singular(match.group(0)), text)
