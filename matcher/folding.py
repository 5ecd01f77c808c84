"""Folding text for pattern matching while keeping character positions."""

from __future__ import annotations

import unicodedata


def fold_keep_length(text: str) -> str:
    """Lower-case and strip accents character by character, keeping the length, so a span
    found in the folded text is the same span in the original ("É" → "e", "’" → "'")."""
    out = []
    for char in text:
        if char in "’`´":
            out.append("'")
            continue
        base = unicodedata.normalize("NFKD", char)
        kept = "".join(c for c in base if not unicodedata.combining(c)).lower()
        out.append(kept if len(kept) == 1 else (char.lower()[:1] or " "))
    return "".join(out)
