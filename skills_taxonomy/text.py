"""Text folding: case, accents, punctuation and gendered / inclusive job-title forms."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache

_DOTS = "·•‧∙⋅"
_HF = re.compile(
    r"(?<![a-z0-9])\(?\s*(?:h\s*[/-]\s*f|f\s*[/-]\s*h)(?:\s*[/-]\s*x)?\s*\)?(?![a-z0-9])"
)
_SUFFIXES = "euse|trice|rice|esse|ere|nne|ffe|lle|tte|es|ne|se|fe|le|te|e"
_INCLUSIVE = re.compile(
    rf"(?<=[a-z])(?:[{_DOTS}./]|\()(?:{_SUFFIXES})\)?(?:[{_DOTS}.]?s)?(?![a-z0-9])"
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
MEMO_MAX_CHARS = 300
"""Texts folded longer than this are not memoised (see :func:`_base_tokens`)."""
_MAX_NGRAM = 5


class _CombiningMarks(dict[int, int | None]):
    """``str.translate`` table that deletes combining marks: each code point is looked up
    with ``unicodedata.combining`` once, then answered from the dict."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_MARKS = _CombiningMarks()


def strip_accents(text: str) -> str:
    """Remove combining marks after NFKD decomposition ("é" → "e", "œ" stays "œ")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed if decomposed.isascii() else decomposed.translate(_MARKS)


def _collapse_repeats(tokens: list[str]) -> list[str]:
    """Drop an n-gram that repeats the one just before it ("agent x agent x" → "agent x")."""
    if len(set(tokens)) == len(tokens):  # no word twice: nothing can repeat
        return tokens
    out: list[str] = []
    for token in tokens:
        # an n-gram repeats only if its last word is one of the _MAX_NGRAM words before it
        may_repeat = token in out[-_MAX_NGRAM:]
        out.append(token)
        if not may_repeat:
            continue
        for size in range(1, min(_MAX_NGRAM, len(out) // 2) + 1):
            if out[-1] == out[-1 - size] and out[-size:] == out[-2 * size : -size]:
                del out[-size:]
                break
    return out


def fold(text: str, table: Mapping[str, str] | None = None) -> str:
    """Return the matching key of ``text``.

    Lower-cases, strips accents, removes "H/F" markers, reduces inclusive forms
    ("vendeur·se", "vendeur.se", "vendeur(se)", "vendeur/se") to the masculine, turns
    punctuation into spaces and collapses whitespace. With ``table`` (feminine → masculine
    folded words, see :func:`build_feminine_table`), feminine words are mapped to the
    masculine and a repeated word group ("vendeur / vendeuse") is kept once.
    """
    if not table:
        return _fold_plain(text)
    return " ".join(_collapse_repeats([table.get(t, t) for t in _base_tokens(text)]))


@lru_cache(maxsize=1 << 16)
def _fold_plain(text: str) -> str:
    return " ".join(_collapse_repeats(list(_base_tokens(text))))


def _base_tokens(text: str) -> tuple[str, ...]:
    """The folded words of ``text`` before the feminine table: memoised for short texts
    (labels, titles, passages), because matching folds the same skill labels for every
    candidate of every request; a whole description, which hardly ever comes back, is not
    kept (a large build's concept reading workers filled the memo with them)."""
    if len(text) > MEMO_MAX_CHARS:
        return _tokens(text)
    return _short_tokens(text)


@lru_cache(maxsize=1 << 16)
def _short_tokens(text: str) -> tuple[str, ...]:
    return _tokens(text)


def _tokens(text: str) -> tuple[str, ...]:
    lowered = strip_accents(text.replace("œ", "oe").replace("Œ", "oe")).casefold()
    lowered = _HF.sub(" ", lowered)
    lowered = _INCLUSIVE.sub("", lowered)
    return tuple(_NON_WORD.sub(" ", lowered).split())


def build_feminine_table(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Build the feminine → masculine word table from (masculine, feminine) label pairs.

    Pairs are aligned word by word after folding; pairs of unequal length are skipped.
    A word seen at least as often as a masculine variant as a feminine one is left out, so
    the mapping never chains (the data holds a few reversed pairs such as "Agente / Agent").
    """
    votes: defaultdict[str, Counter[str]] = defaultdict(Counter)
    masculine_votes: Counter[str] = Counter()
    for masculine, feminine in pairs:
        m_tokens, f_tokens = fold(masculine).split(), fold(feminine).split()
        if len(m_tokens) != len(f_tokens):
            continue
        for m_token, f_token in zip(m_tokens, f_tokens, strict=True):
            if m_token != f_token:
                votes[f_token][m_token] += 1
                masculine_votes[m_token] += 1
    return {
        fem: counter.most_common(1)[0][0]
        for fem, counter in sorted(votes.items())
        if masculine_votes[fem] < sum(counter.values())
    }
