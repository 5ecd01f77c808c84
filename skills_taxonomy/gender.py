"""Gendered wording: one home for every rule that makes "vendeuse" and "vendeur" the same.

Two tools, for two uses:

- :func:`masculine` / :func:`normalise_forms`: suffix rules ("trice" → "teur", "euse" → "eur",
  "ère" → "er"…) applied word by word before the keyword stores' analysers, on documents and
  queries alike (with plural folding, :mod:`skills_taxonomy.plural`), so both genders of a job
  title match alike in tantivy and OpenSearch;
- :class:`GenderNeutraliser`: rewrites a seeker's free text with every feminine *job-title*
  word in the masculine (the taxonomy's feminine → masculine table, learnt from the ROME's
  paired forms, accents kept) and without "H/F" marks or inclusive suffixes, before it is
  embedded or read into concepts, so a query does not depend on the gender of its wording.

Folding for matching keys (accents stripped, case folded) is :func:`skills_taxonomy.text.fold`.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from functools import lru_cache
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from skills_taxonomy.plural import STOP_WORDS_LIKE_PLURALS, singular
from skills_taxonomy.text import fold

if TYPE_CHECKING:
    from skills_taxonomy.taxonomy import Taxonomy

_WORD_SPLIT_RE = re.compile(r"(\w+)")
_MIN_GENDERED_LENGTH = 6
_FORM_MEMO = 1 << 17
"""Distinct words whose normal form :func:`normalise_forms` remembers (a French corpus of
any size uses far fewer; an entry is a few hundred bytes)."""

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


def masculine(word: str) -> str:
    """The masculine form of a feminine job-title word ("vendeuse" → "vendeur")."""
    lower = word.lower()
    if len(word) < _MIN_GENDERED_LENGTH or lower in STOP_WORDS_LIKE_PLURALS:
        return word
    for feminine, male in _FEMININE_SUFFIXES:
        if lower.endswith(feminine):
            return lower[: -len(feminine)] + male
    return word


def normalise_forms(text: str) -> str:
    """Singular, then masculine, word by word: what the keyword index and its queries see."""
    parts = _WORD_SPLIT_RE.split(text)  # words at the odd positions
    parts[1::2] = map(_normal_form, parts[1::2])
    return "".join(parts)


@lru_cache(maxsize=_FORM_MEMO)
def _normal_form(word: str) -> str:
    """``masculine(singular(word))``, remembered: indexing calls it for every word of every
    document, and a corpus repeats its words."""
    return masculine(singular(word))


_DOTS = "·•‧∙⋅"
_LETTER = "a-zà-öø-ÿœ"
_HF_MARK = re.compile(
    rf"(?<![{_LETTER}0-9])\(?\s*(?:h\s*[/-]\s*f|f\s*[/-]\s*h)(?:\s*[/-]\s*x)?\s*\)?"
    rf"(?![{_LETTER}0-9])")
_INCLUSIVE_SUFFIX = re.compile(
    rf"(?<=[{_LETTER}])(?:[{_DOTS}./]|\()(?:euse|trice|rice|esse|ère|ere|nne|ffe|lle|tte|es|ne|"
    rf"se|fe|le|te|e)\)?(?:[{_DOTS}.]?s)?(?![{_LETTER}0-9])")
_WORD = re.compile(rf"[{_LETTER}]+")
_REPEATED_GROUP = re.compile(r"(?<!\S)(\S.*?) ?/ ?\1(?!\S)")


class GenderNeutraliser:
    """Rewrites free text with every feminine job-title word in the masculine, accents kept
    ("Vendeuse en prêt-à-porter H/F" → "vendeur en prêt-à-porter").

    The word table is the taxonomy's feminine → masculine table (learnt from the ROME's
    paired forms); the masculine spelling with accents is the most frequent one in the ROME
    labels.
    """

    def __init__(self, taxonomy: Taxonomy, spelling: dict[str, str] | None = None) -> None:
        """``spelling`` (folded word → its usual ROME spelling) is :attr:`spelling` of a
        neutraliser built earlier for the same taxonomy (the reader cache keeps it)."""
        self._table = taxonomy.feminine_to_masculine
        self.spelling = spelling if spelling is not None else _spellings(taxonomy)

    def neutral(self, text: str) -> str:
        """``text`` lower-cased, without "H/F" marks or inclusive suffixes, feminine
        job-title words in the masculine."""
        lowered = _INCLUSIVE_SUFFIX.sub("", _HF_MARK.sub(" ", text.lower()))
        rewritten = re.sub(r"\s+", " ", _WORD.sub(self._masculine, lowered)).strip()
        return _REPEATED_GROUP.sub(r"\1", rewritten)

    def canonical_title(self, text: str) -> str:
        """:meth:`neutral`, then every word the ROME's titles know spelled as they spell it
        and hyphens as spaces ("VENDEUSE EN PRET A PORTER" and "Vendeuse en prêt-à-porter" →
        "vendeur en prêt à porter"), so a title typed without accents reads like the same title
        with them."""
        spelled = _WORD.sub(self._spelled, self.neutral(text).replace("-", " "))
        return re.sub(r"\s+", " ", spelled).strip()

    def _spelled(self, match: re.Match[str]) -> str:
        word = match.group(0)
        return self.spelling.get(fold(word), word)

    def _masculine(self, match: re.Match[str]) -> str:
        word = match.group(0)
        male = self._table.get(fold(word))
        if male is None:
            return word
        return self.spelling.get(male, male)


def _spellings(taxonomy: Taxonomy) -> dict[str, str]:
    """Folded word → its most frequent spelling in the ROME's job titles and occupations."""
    spellings: defaultdict[str, dict[str, int]] = defaultdict(dict)
    labels = [f for a in taxonomy.appellations.values() for f in a.forms]
    labels += [o.label for o in taxonomy.occupations.values()]
    for label in labels:
        for word in _WORD.findall(label.lower()):
            counts = spellings[fold(word)]
            counts[word] = counts.get(word, 0) + 1
    return {key: max(sorted(counts), key=lambda w: counts[w])
            for key, counts in spellings.items()}


_NEUTRALISERS: WeakKeyDictionary[Taxonomy, GenderNeutraliser] = WeakKeyDictionary()
_NEUTRALISERS_LOCK = threading.Lock()


def neutraliser_for(taxonomy: Taxonomy, spelling: dict[str, str] | None = None
                    ) -> GenderNeutraliser:
    """The taxonomy's gender neutraliser, built once per taxonomy and process (from
    ``spelling`` when given and none is built yet)."""
    with _NEUTRALISERS_LOCK:
        neutraliser = _NEUTRALISERS.get(taxonomy)
        if neutraliser is None:
            neutraliser = _NEUTRALISERS[taxonomy] = GenderNeutraliser(taxonomy, spelling)
        return neutraliser
