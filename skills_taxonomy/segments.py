"""Cutting a description into the short passages skills are read from, and the requirement
each passage states ("exigé", "souhaité", "un plus", "débutant accepté"…).

A passage is a line, a bullet or a sentence, cut again at ";" and at commas when it is long,
so a skill's span stays short enough to show. Each passage keeps its character offsets in the
original text. A heading ("Profil recherché", "Les plus", "Compétences souhaitées") passes its
requirement on to the passages under it, until the next heading or a blank line; a cue inside
a passage wins over its heading's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from skills_taxonomy.text import strip_accents

MAX_PASSAGE_WORDS = 40
_BREAKS = re.compile(r"\n|(?<=[.!?;])\s+(?=[A-ZÀ-ÖØ-Þ0-9•\-*])|[•·▪►✓✔]|(?:^|\s)[-*]\s")
_WORDS = re.compile(r"\w+")


class StatedRequirement(StrEnum):
    """What a passage says of the skills it names."""

    REQUIRED = "required"
    WISHED = "wished"
    TRAINABLE = "trainable"
    """"débutant accepté", "formation assurée": the skill can be learnt on the job."""


_CUES: tuple[tuple[StatedRequirement, re.Pattern[str]], ...] = (
    (StatedRequirement.TRAINABLE, re.compile(
        r"\b(?:debutants?(?:es?)? (?:sont )?acceptes?|debutants? bienvenu|formation "
        r"(?:sera |est )?(?:assuree|dispensee|prevue|interne|en interne)|vous serez forme|"
        r"sans experience|aucune experience (?:n est )?(?:requise|exigee|necessaire)|"
        r"nous vous formerons|formee? (?:par nos soins|en interne|sur le poste))\b")),
    (StatedRequirement.WISHED, re.compile(
        r"\b(?:(?:les|nos|vos|quelques) (?:plus|atouts)|souhaite(?:e|s|es)?|souhaitable|"
        r"apprecie(?:e|s|es)?|un plus|un atout|atouts?|"
        r"ideal(?:ement)?|de preference|preferablement|bienvenue?s?|serait un avantage|"
        r"optionnel(?:le)?|facultati(?:f|ve)|valorise(?:e|s|es)?)\b")),
    (StatedRequirement.REQUIRED, re.compile(
        r"\b(?:exige(?:e|s|es)?|exigence|obligatoires?|imperati(?:f|ve|fs|ves|vement)|"
        r"indispensables?|requise?s?|necessaires?|vous devez|devez imperativement|"
        r"doit etre|devra|est demandee?|sont demandee?s|incontournables?|essentiel(?:le)?s?|"
        r"exclusivement|minimum|au moins)\b")),
)
_BULLETS = "-*•·▪►✓✔"
_PLUS = re.compile(r"\bun\s*\+")


@dataclass(frozen=True, slots=True)
class Passage:
    """A short piece of a text: where it lies, what it says, the requirement it states."""

    start: int
    end: int
    text: str
    requirement: StatedRequirement | None


@lru_cache(maxsize=1 << 16)
def stated_requirement(text: str) -> StatedRequirement | None:
    """The requirement a piece of text states, if any (beginners first: "débutant accepté,
    expérience souhaitée" says the job can be learnt). Memoised: descriptions repeat their
    boilerplate lines."""
    lowered = _PLUS.sub(" un plus ", strip_accents(text.casefold()))
    folded = " ".join(_WORDS.findall(lowered))
    for requirement, pattern in _CUES:
        if pattern.search(folded):
            return requirement
    return None


def passages(text: str) -> list[Passage]:
    """The passages of ``text`` in order, each with its offsets and stated requirement."""
    found: list[Passage] = []
    heading: StatedRequirement | None = None
    for start, end in _pieces(text):
        piece = text[start:end]
        if not piece.strip():
            heading = None
            continue
        own = stated_requirement(piece)
        if _is_heading(piece):
            heading = own
        for sub_start, sub_end in _split_long(text, start, end):
            sub = text[sub_start:sub_end]
            found.append(Passage(sub_start, sub_end, sub.strip(),
                                 stated_requirement(sub) or own or heading))
    return found


def _is_heading(piece: str) -> bool:
    """A short line ending with ":" or written in capitals ("PROFIL RECHERCHÉ", "Les plus :")."""
    words = len(_WORDS.findall(piece))
    return 0 < words <= 8 and (piece.rstrip().endswith(":") or piece.isupper())


def _pieces(text: str) -> list[tuple[int, int]]:
    """Offsets of the lines, bullets and sentences of ``text`` (blank lines kept as empty
    pieces, which end a heading's scope)."""
    pieces: list[tuple[int, int]] = []
    position = 0
    for match in _BREAKS.finditer(text):
        pieces.append((position, match.start()))
        position = match.end()
    pieces.append((position, len(text)))
    trimmed = []
    for start, end in pieces:
        while start < end and (text[start].isspace() or text[start] in _BULLETS):
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        trimmed.append((start, end))
    return trimmed


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut at commas into parts of at most :data:`MAX_PASSAGE_WORDS`
    words (a part may be longer when no comma allows a cut)."""
    if len(_WORDS.findall(text[start:end])) <= MAX_PASSAGE_WORDS:
        return [(start, end)]
    parts: list[tuple[int, int]] = []
    part_start = start
    words = 0
    for match in re.finditer(r"[^,]+,?", text[start:end]):
        count = len(_WORDS.findall(match.group(0)))
        if words and words + count > MAX_PASSAGE_WORDS:
            parts.append((part_start, start + match.start()))
            part_start, words = start + match.start(), 0
        words += count
    parts.append((part_start, end))
    return [(s, e) for s, e in parts if text[s:e].strip()]
