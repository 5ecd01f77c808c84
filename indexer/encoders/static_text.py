"""Words and pieces of a text for the static encoder: folding, bigrams and subword buckets.

A text is folded the way the taxonomy folds labels (:func:`skills_taxonomy.text.fold`): lower
case, accents stripped, "H/F" markers and inclusive suffixes ("vendeur·se", "vendeur(se)")
removed, punctuation turned into spaces, then every feminine job-title word mapped to the
masculine with the taxonomy's table, which the static model carries. "Vendeuse", "vendeur·se"
and "Vendeur / Vendeuse (H/F)" therefore give the same pieces as "vendeur". Unlike
``fold``, nothing is memoised: offer texts are long and seen once, and a cache of them would
hold hundreds of megabytes while a million offers are indexed.

The pieces of a text are its known words, the known bigrams of adjacent content words
("aide soignant", "poids lourd"), and, for a word the vocabulary lacks, the hashed buckets of
its character n-grams (fastText style), so an unknown word still lands near the known words
that share its stems. Numbers are dropped: they carry no occupation or skill.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import zlib
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache

_DOTS = "·•‧∙⋅"
_HF = re.compile(
    r"(?<![a-z0-9])\(?\s*(?:h\s*[/-]\s*f|f\s*[/-]\s*h)(?:\s*[/-]\s*x)?\s*\)?(?![a-z0-9])")
_SUFFIXES = "euse|trice|rice|esse|ere|nne|ffe|lle|tte|es|ne|se|fe|le|te|e"
_INCLUSIVE = re.compile(
    rf"(?<=[a-z])(?:[{_DOTS}./]|\()(?:{_SUFFIXES})\)?(?:[{_DOTS}.]?s)?(?![a-z0-9])")
_WORD = re.compile(r"[a-z0-9]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

SHORTEST_UNKNOWN_WORD = 3
"""Unknown words shorter than this are ignored (initials, stray letters)."""
LONGEST_UNKNOWN_WORD = 40
"""Only the first characters of a longer unknown word give n-grams (a pasted hash or URL
would otherwise make thousands of them)."""

#: Function words: never the end of a bigram (their weight is low anyway).
_STOPWORDS_TEXT = """
    a afin ainsi alors au aupres aussi autre autres aux avec avoir c ca ce ceci cela celle
    celles celui ces cet cette chaque chez ci comme comment d dans de des donc dont du elle
    elles en entre es est et etc etre eux faire h ici il ils j je l la le les leur leurs
    lors lui m ma mais me meme mes moi mon n ne ni nos notre nous on or ou par parmi pas peu
    peut plus pour qu que quel quelle quelles quels qui s sa sans se selon ses si son sont
    sous sur t ta te tes toi ton tous tout toute toutes tres tu un une vos votre vous y f
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def _accent_table() -> dict[int, str]:
    """Latin letters with diacritics (U+00C0–U+024F) → their base letters, and ligatures."""
    table: dict[int, str] = {ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("Æ"): "ae"}
    for code in range(0xC0, 0x250):
        base = "".join(ch for ch in unicodedata.normalize("NFKD", chr(code))
                       if not unicodedata.combining(ch))
        if base != chr(code) and base.isascii():
            table.setdefault(code, base)
    return table


_ACCENTS = _accent_table()


def strip_accents(text: str) -> str:
    """``text`` without diacritics ("é" → "e", "œ" → "oe"): a translation table for Latin
    letters, NFKD decomposition for the other non-ASCII characters ("ﬁ" → "fi")."""
    if text.isascii():
        return text
    text = text.translate(_ACCENTS)
    if text.isascii():
        return text
    return _NON_ASCII.sub(lambda match: _decompose(match.group()), text)


@lru_cache(maxsize=4096)
def _decompose(run: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", run)
                   if not unicodedata.combining(ch))


def fold_words(text: str, feminine: Mapping[str, str]) -> list[str]:
    """The folded words of ``text``, feminine job-title words in the masculine, numbers
    dropped and a word group repeated right after itself ("vendeur vendeur") kept once."""
    lowered = _INCLUSIVE.sub("", _HF.sub(" ", strip_accents(text.casefold())))
    words = [feminine.get(word, word) for word in _WORD.findall(lowered)
             if not word.isdigit()]
    return _collapse_repeats(words)


def _collapse_repeats(words: list[str], longest: int = 5) -> list[str]:
    """Drop a word group that repeats the one just before it ("agent x agent x" → "agent x").

    A group of ``size`` words can only repeat when the new word equals the word ``size``
    places back: most words fail that one membership test and cost nothing more."""
    out: list[str] = []
    for word in words:
        if word in out[-longest:]:
            end = len(out) + 1
            out.append(word)
            for size in range(1, min(longest, end // 2) + 1):
                repeated = out[end - size:] == out[end - 2 * size:end - size]
                if out[end - 1 - size] == word and repeated:
                    del out[end - size:]
                    break
        else:
            out.append(word)
    return out


def content_bigrams(words: Sequence[str]) -> Iterator[str]:
    """Adjacent word pairs ("aide soignant") where neither word is a function word or a
    single letter."""
    for left, right in itertools.pairwise(words):
        if (len(left) > 1 and len(right) > 1 and left not in STOPWORDS
                and right not in STOPWORDS):
            yield f"{left} {right}"


def char_ngrams(word: str, shortest: int, longest: int) -> list[str]:
    """The character n-grams of ``<word>`` (with boundary marks), ``shortest``..``longest``
    long; a word shorter than ``shortest`` gives itself with its marks."""
    marked = f"<{word}>"
    grams = [marked[i:i + n] for n in range(shortest, longest + 1)
             for i in range(len(marked) - n + 1)]
    return grams or [marked]


def bucket_of(gram: str, buckets: int) -> int:
    """The bucket of a character n-gram: a stable hash (CRC-32), not Python's salted one."""
    return zlib.crc32(gram.encode("utf-8")) % buckets
