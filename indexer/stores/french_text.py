"""Word-level French normalisation run before tantivy's analyser, at index and query time.

Two passes the Snowball French stemmer does not make for job titles:

- plurals: "boulangers" and "boulanger" get different stems; a minimal pass (as Lucene's
  FrenchMinimalStemmer) turns plurals into singulars;
- gendered forms: "vendeuse" / "vendeur", "conductrice" / "conducteur", "boulangère" /
  "boulanger" get different stems; suffix rules turn the feminine form into the masculine, so
  both genders of a job title match alike (a fairness requirement, not only recall).

Both passes apply the same way to documents and queries, so a rule that also rewrites an
unrelated word ("attente" → "attent") changes nothing in what matches what. Stop words are
left alone ("dans" is not the plural of "dan").
"""

from __future__ import annotations

import re

# Words of tantivy's French stop-word list (checked against its analyser) that look like
# plurals or feminines; the analyser drops them, so they must reach it intact.
_STOP_WORDS = frozenset([
    "au", "aux", "avec", "ce", "ces", "dans", "de", "des", "du", "elle", "en", "et", "eux", "il",
    "ils", "je", "la", "le", "les", "leur", "leurs", "lui", "ma", "mais", "me", "même", "mes",
    "moi", "mon", "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que",
    "qui", "sa", "se", "ses", "sur", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos",
    "votre", "vous", "sans", "étais", "étions", "était", "avais", "avait", "ayons", "ayez",
    "eus", "eûmes", "fus", "fûmes", "serais", "serions", "aurais", "aurions", "êtes", "avez",
    "sont", "ont", "étées", "eues", "fusses",
])
_WORD = re.compile(r"\w+")
_MIN_GENDERED_LENGTH = 6

# (feminine suffix, masculine suffix), longest first; accented and plain spellings alike.
_FEMININE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("trice", "teur"),
    ("euse", "eur"),
    ("ienne", "ien"),
    ("ière", "ier"), ("iere", "ier"),
    ("ère", "er"), ("ere", "er"),
    ("ée", "é"),
    ("ante", "ant"),
    ("ente", "ent"),
    ("ale", "al"),
)


def singular(word: str) -> str:
    """The singular of a French plural ("travaux" → "traval", "bureaux" → "bureau")."""
    lower = word.lower()
    if len(word) < 4 or lower in _STOP_WORDS or lower.endswith("ss"):
        return word
    if lower.endswith("eaux"):
        return word[:-1]
    if lower.endswith("aux") and len(word) >= 5:
        return word[:-2] + "l"
    if lower.endswith(("s", "x")):
        return word[:-1]
    return word


def masculine(word: str) -> str:
    """The masculine form of a feminine job-title word ("vendeuse" → "vendeur")."""
    lower = word.lower()
    if len(word) < _MIN_GENDERED_LENGTH or lower in _STOP_WORDS:
        return word
    for feminine, male in _FEMININE_SUFFIXES:
        if lower.endswith(feminine):
            return lower[: -len(feminine)] + male
    return word


def strip_plurals(text: str) -> str:
    """Every plural word of ``text`` in the singular."""
    return _WORD.sub(lambda match: singular(match.group(0)), text)


def normalise_forms(text: str) -> str:
    """Singular, then masculine, word by word: what the index and the queries both see."""
    return _WORD.sub(lambda match: masculine(singular(match.group(0))), text)
