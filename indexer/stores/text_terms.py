"""Which terms of a long free text a keyword store searches (``KeywordQuery.max_text_terms``).

Both keyword stores keep the same terms, as MoreLikeThis chooses them: the terms that weigh
most in the text, a term's weight being how often the text says it times its BM25 inverse
document frequency among the indexed texts. A term the text repeats is what it is about; a
term said once and held by few documents is often a name or a slip, and one held by many adds
little to a score and costs the longest posting lists. Ties go to the earlier term.

Keeping the 16 rarest terms cost whole offer descriptions 4.9 nDCG@10 points of the keyword
channel on the dev set (d); the 12 weightiest gained it 22.4, and the full ranking of every
dev set (docs/evaluation.md, "Performance, stop 38").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence


def bm25_idf(doc_freq: int, documents: int) -> float:
    """BM25's inverse document frequency of a term held by ``doc_freq`` of ``documents``
    (Lucene's and tantivy's form, never negative)."""
    return math.log(1.0 + (documents - doc_freq + 0.5) / (doc_freq + 0.5))


def weightiest_terms(analysed: Sequence[str], limit: int | None,
                     doc_freq: Callable[[str], int], documents: int) -> list[str]:
    """The distinct terms of ``analysed`` (a text's terms in order, repeats included), in
    their order of first appearance; beyond ``limit`` of them (None: no limit), only the
    ``limit`` weightiest (the module doc; ``doc_freq`` counts the indexed texts holding a
    term, asked only when the text has more distinct terms than the limit)."""
    counts = Counter(analysed)
    terms = list(counts)  # first appearance order
    if limit is None or len(terms) <= limit:
        return terms
    weight = {term: counts[term] * bm25_idf(doc_freq(term), documents) for term in terms}
    order = sorted(range(len(terms)), key=lambda i: (-weight[terms[i]], i))
    return [terms[i] for i in sorted(order[:limit])]
