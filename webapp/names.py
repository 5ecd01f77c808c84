"""Names people type, turned into codes: occupations (ROME), communes (INSEE), départements,
regions and skills — with suggestions for autocomplete and "Vouliez-vous dire … ?" choices.

People type names ("agent de nettoyage", "Aubenas"); the engine wants codes. Suggestions give
**one entry per concept** (an occupation once, whatever the job titles, ROME and ESCO labels
that matched it), its name first and its code as secondary text. Resolution never picks a
far-off guess silently: a name that is unknown or shared by several places or occupations
raises :class:`NameNotResolved`, a 400 that names the parameter and carries the choices.
"""

from __future__ import annotations

import bisect
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from indexer.geo import Commune, Gazetteer, fold
from skills_taxonomy import Taxonomy
from skills_taxonomy.text import fold as fold_label
from webapp.params import BadParameter

ROME_CODE = re.compile(r"^[A-N]\d{4}$", re.IGNORECASE)
INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$", re.IGNORECASE)
POSTCODE = re.compile(r"^\d{5}$")
NAME_WITH_DEPARTMENT = re.compile(r"^(.*\S)\s*\((\d[\dAB]{1,2})\)\s*$", re.IGNORECASE)
OCCUPATION_KINDS = ("occupation", "appellation", "esco_occupation")
SKILL_KINDS = ("item", "esco_skill")
EXACT = 0.999
#: Below this closeness a label is not offered as a suggestion (the fuzzy index scores every
#: label; 0.3 is "shares a letter or two"), nor when it is this far behind the best one.
MIN_SUGGESTION_SCORE = 0.6
MAX_BEHIND_BEST = 0.2
SUGGESTIONS = 8
CHOICES = 6
_PREFIX_SCAN = 3000


@dataclass(frozen=True, slots=True)
class Choice:
    """One concept to offer: its code, the name to show (and put in the field), and a
    secondary text (the code and what places or defines it)."""

    code: str
    label: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


class NameNotResolved(BadParameter):
    """A typed name that matches no concept, or several (HTTP 400): ``choices`` are what the
    user may have meant, best first (possibly none); ``ambiguous`` when several concepts bear
    exactly that name."""

    def __init__(self, name: str, text: str, what: Words, choices: Sequence[Choice],
                 ambiguous: bool = False) -> None:
        reason = (f"« {text[:60]} » : {what.ambiguous} ; précisez" if ambiguous
                  else f"« {text[:60]} » : {what.unknown}")
        if choices:
            reason += " (vouliez-vous dire " + " ; ".join(c.label for c in choices[:3]) + " ?)"
        super().__init__(name, reason)
        self.text = text
        self.choices = list(choices)
        self.ambiguous = ambiguous


class UnknownCode(NameNotResolved):
    """A well-formed code (ROME, INSEE, département) that designates nothing: 404."""

    code = 404


@dataclass(frozen=True, slots=True)
class Words:
    """How a kind of name is said when it is unknown or shared."""

    unknown: str
    ambiguous: str


OCCUPATION_WORDS = Words("métier inconnu", "plusieurs métiers portent ce nom")
COMMUNE_WORDS = Words("commune inconnue", "plusieurs communes portent ce nom ou ce code")
DEPARTMENT_WORDS = Words("département inconnu", "plusieurs départements portent ce nom")
REGION_WORDS = Words("région inconnue", "plusieurs régions portent ce nom")


# --------------------------------------------------------------------------- occupations


def _occupation_label(taxonomy: Taxonomy, code: str) -> str:
    occupation = taxonomy.occupations.get(code)
    return occupation.label if occupation is not None else code


def occupation_choice(taxonomy: Taxonomy, code: str) -> Choice:
    """The choice for a known ROME code: its label, the code as detail."""
    return Choice(code, _occupation_label(taxonomy, code), code)


def occupation_suggestions(taxonomy: Taxonomy, text: str, limit: int = SUGGESTIONS,
                           popularity: Mapping[str, int] | None = None) -> list[Choice]:
    """ROME occupations for a typed name or code, one per occupation, best first. The label
    is the job title or occupation name that matched best (a ROME wording, never an ESCO URI);
    the detail is the occupation's name when it differs, and its code. Names starting with
    the typed text come first; ties go to the occupations with the most offers
    (``popularity``: offer count by ROME code), then to the shortest names."""
    text = text.strip()
    if not text:
        return []
    if ROME_CODE.match(text) and text.upper() in taxonomy.occupations:
        return [occupation_choice(taxonomy, text.upper())]
    typed = fold_label(text)
    best: dict[str, tuple[float, str]] = {}
    for match in taxonomy.search(text, kinds=OCCUPATION_KINDS, limit=max(60, limit * 8)):
        rome = match.code if match.kind == "occupation" else match.rome_code
        if not rome or rome not in taxonomy.occupations or match.score < MIN_SUGGESTION_SCORE:
            continue
        label = match.label if match.kind != "esco_occupation" else _occupation_label(
            taxonomy, rome)
        score = (match.score + (0.05 if fold_label(label).startswith(typed) else 0.0)
                 + (0.001 if match.kind == "occupation" else 0.0))
        if rome not in best or (score, -len(label)) > (best[rome][0], -len(best[rome][1])):
            best[rome] = (score, label)
    counts = popularity or {}
    floor = max([0.0, *(score for score, _ in best.values())]) - MAX_BEHIND_BEST
    best = {rome: pair for rome, pair in best.items() if pair[0] >= floor}
    ranked = sorted(best.items(), key=lambda kv: (-round(kv[1][0], 3), -counts.get(kv[0], 0),
                                                  len(kv[1][1]), kv[0]))[:limit]
    choices = []
    for rome, (_score, label) in ranked:
        name = _occupation_label(taxonomy, rome)
        detail = rome if fold_label(name) == fold_label(label) else f"{name} · {rome}"
        choices.append(Choice(rome, label, detail))
    return choices


def resolve_occupation(taxonomy: Taxonomy, text: str, code: str | None = None,
                       name: str = "metier", popularity: Mapping[str, int] | None = None
                       ) -> Choice | None:
    """The ROME occupation a user chose: the code picked in the autocomplete (``code``), a
    ROME code typed, or a name that designates one occupation only. '' → None; anything else
    raises :class:`NameNotResolved` with the occupations it may mean."""
    text = text.strip()
    if code and code.upper() in taxonomy.occupations:
        return occupation_choice(taxonomy, code.upper())
    if not text:
        return None
    if ROME_CODE.match(text):
        if text.upper() in taxonomy.occupations:
            return occupation_choice(taxonomy, text.upper())
        raise UnknownCode(name, text, OCCUPATION_WORDS, [])
    exact = [m for m in taxonomy.search(text, kinds=OCCUPATION_KINDS, limit=20)
             if m.score >= EXACT]
    romes = {m.code if m.kind == "occupation" else (m.rome_code or "") for m in exact}
    romes &= set(taxonomy.occupations)
    if len(romes) == 1:
        return occupation_choice(taxonomy, romes.pop())
    raise NameNotResolved(name, text, OCCUPATION_WORDS,
                          occupation_suggestions(taxonomy, text, CHOICES, popularity),
                          ambiguous=len(romes) > 1)


# --------------------------------------------------------------------------- skills


def skill_suggestions(taxonomy: Taxonomy, text: str, limit: int = SUGGESTIONS) -> list[Choice]:
    """Skills (ROME items, ESCO skills) for a typed name, one per wording: a ROME item and an
    ESCO skill of the same name are offered once (the ROME one)."""
    text = text.strip()
    if not text:
        return []
    seen: set[str] = set()
    choices: list[Choice] = []
    for match in taxonomy.search(text, kinds=SKILL_KINDS, limit=limit * 3):
        key = fold_label(match.label)
        if key in seen or match.score < MIN_SUGGESTION_SCORE:
            continue
        seen.add(key)
        label = match.label[:1].upper() + match.label[1:]
        detail = f"ROME · {match.code}" if match.kind == "item" else "ESCO"
        choices.append(Choice(match.code, label, detail))
        if len(choices) >= limit:
            break
    return choices


# --------------------------------------------------------------------------- communes


class _CommuneIndex:
    """Current communes with a point, by folded name, for prefix look-ups."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        entries = sorted((fold(c.name), -(c.population or 0), c.code) for c in gazetteer
                         if c.is_current and c.point is not None)
        self.keys = [key for key, _, _ in entries]
        self.codes = [code for _, _, code in entries]
        self.populations = [-pop for _, pop, _ in entries]

    def prefixed(self, text: str) -> list[str]:
        """Codes of the communes whose folded name starts with ``text``'s, most populous
        first (exact names before longer ones)."""
        key = fold(text)
        if not key:
            return []
        start = bisect.bisect_left(self.keys, key)
        found: list[tuple[bool, int, str]] = []
        for i in range(start, min(start + _PREFIX_SCAN, len(self.keys))):
            if not self.keys[i].startswith(key):
                break
            found.append((self.keys[i] != key, -self.populations[i], self.codes[i]))
        return [code for *_, code in sorted(found)]


_indexes: weakref.WeakKeyDictionary[Gazetteer, _CommuneIndex] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _commune_index(gazetteer: Gazetteer) -> _CommuneIndex:
    with _lock:
        index = _indexes.get(gazetteer)
        if index is None:
            index = _indexes[gazetteer] = _CommuneIndex(gazetteer)
        return index


def commune_label(commune: Commune) -> str:
    """How a commune is named in a field: 'Aubenas (07)'."""
    return f"{commune.name} ({commune.department})" if commune.department else commune.name


def commune_choice(gazetteer: Gazetteer, commune: Commune) -> Choice:
    """The choice for a commune: 'Aubenas (07)', detail 'Ardèche · 07200 · INSEE 07019'."""
    department = gazetteer.departments().get(commune.department or "", "")
    parts = [part for part in (department, commune.postcodes[0] if commune.postcodes else "",
                               f"INSEE {commune.code}") if part]
    return Choice(commune.code, commune_label(commune), " · ".join(parts))


def commune_suggestions(gazetteer: Gazetteer, text: str, limit: int = SUGGESTIONS
                        ) -> list[Choice]:
    """Communes for a typed name, postcode or INSEE code: names starting with the text
    (most populous first), then close spellings."""
    text = text.strip()
    if not text:
        return []
    communes: list[Commune] = []
    if POSTCODE.match(text) or INSEE_CODE.match(text):
        by_code = gazetteer.commune(text.upper())
        served = sorted((c for c in gazetteer.by_postcode(text) if c.is_current),
                        key=lambda c: -(c.population or 0))
        communes = served + ([by_code] if by_code is not None else [])
    else:
        for code in _commune_index(gazetteer).prefixed(text)[:limit]:
            found = gazetteer.commune(code)
            if found is not None:
                communes.append(found)
        if len(communes) < limit:
            communes += [c for c in gazetteer.search(text, limit=limit * 2)
                         if c.is_current and c.point is not None and c not in communes]
    unique = list(dict.fromkeys(c for c in communes if c.point is not None))
    return [commune_choice(gazetteer, c) for c in unique[:limit]]


def resolve_commune(gazetteer: Gazetteer, text: str, code: str | None = None,
                    name: str = "commune") -> Commune | None:
    """The commune a user chose: the code picked in the autocomplete (``code``, when the
    field still holds its name), an INSEE code or postcode serving one commune, 'Name (07)',
    or a name that only one current commune bears. '' → None; anything else raises
    :class:`NameNotResolved` with the communes it may mean — never a silent fuzzy guess."""
    text = text.strip()
    if code:
        picked = gazetteer.commune(code.strip().upper())
        if picked is not None and (not text or fold(text) in (
                fold(picked.name), fold(commune_label(picked)), fold(picked.code))):
            return picked
    if not text:
        return None
    candidates: list[Commune] = []
    if INSEE_CODE.match(text):
        by_code = gazetteer.commune(text.upper())
        served = [c for c in gazetteer.by_postcode(text) if c.is_current] \
            if POSTCODE.match(text) else []
        if by_code is not None and (not served or by_code in served):
            return by_code  # an INSEE code, and no other commune's postcode
        candidates = list(dict.fromkeys(served + ([by_code] if by_code is not None else [])))
    else:
        with_department = NAME_WITH_DEPARTMENT.match(text)
        base, department = ((with_department.group(1), with_department.group(2).upper())
                            if with_department else (text, None))
        exact = [c for c in gazetteer.search(base, limit=50, department=department)
                 if fold(c.name) == fold(base)]
        current = [c for c in exact if c.is_current] or exact
        candidates = current
    if len(candidates) == 1:
        return candidates[0]
    if not candidates and INSEE_CODE.match(text):
        raise UnknownCode(name, text, COMMUNE_WORDS, [])
    if candidates:
        candidates.sort(key=lambda c: -(c.population or 0))
        raise NameNotResolved(name, text, COMMUNE_WORDS,
                              [commune_choice(gazetteer, c) for c in candidates[:CHOICES * 2]],
                              ambiguous=True)
    raise NameNotResolved(name, text, COMMUNE_WORDS,
                          commune_suggestions(gazetteer, text, CHOICES))


# --------------------------------------------------------------------------- areas


def area_suggestions(names: dict[str, str], text: str, limit: int = SUGGESTIONS
                     ) -> list[Choice]:
    """Départements or regions (``names``: code → name) whose name or code starts with, or
    contains, the typed text."""
    key = fold(text)
    if not key:
        return [Choice(code, name, code) for code, name in sorted(names.items())][:limit]
    starts = [(code, name) for code, name in names.items()
              if fold(name).startswith(key) or code.lower() == key]
    inside = [(code, name) for code, name in names.items()
              if key in fold(name) and (code, name) not in starts]
    return [Choice(code, name, code) for code, name in (sorted(starts) + sorted(inside))[:limit]]


def resolve_area(names: dict[str, str], text: str, what: Words, name: str) -> str:
    """The code of a département or region typed as its code or its name."""
    text = text.strip()
    upper = text.upper()
    if upper in names:
        return upper
    if upper.isdigit() and upper.zfill(2) in names:
        return upper.zfill(2)
    exact = [code for code, area in names.items() if fold(area) == fold(text)]
    if len(exact) == 1:
        return exact[0]
    if re.fullmatch(r"\d{1,3}|2[AB]", upper):
        raise UnknownCode(name, text, what, [])
    raise NameNotResolved(name, text, what, area_suggestions(names, text, CHOICES),
                          ambiguous=len(exact) > 1)
