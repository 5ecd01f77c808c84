"""Entities of a message: dates, offer ids, ROME codes, occupations, communes, amounts, and
the e-mail addresses and phone numbers that are found only to be masked.

- **dates**: absolute ("14 mai", "12/03/2025", "1er juin") and relative ("demain",
  "lundi prochain", "vendredi dernier", "la semaine prochaine", "fin mai") phrases, with a
  time when one follows ("demain à 14 h 30"); each resolved to an ISO date against the
  message's date when it can be (a weekday alone is the next such day);
- **offer ids** as France Travail writes them: three digits and four capital letters
  (``193BBFX``) or seven digits (``7963145``) next to "offre", "annonce", "réf", "n°" — or any
  such token the ``offer_exists`` callback knows;
- **ROME codes** (``D1214``), kept when the taxonomy knows them;
- **occupations** named in the text, matched on the ROME's job titles (every gendered form
  of the 13k appellations and the occupation labels, folded; plurals reduced), longest first;
  a lone generic word ("agent", "conseiller", "responsable") is not an occupation;
- **communes** through the gazetteer: a capitalised name, or a name after "à", "sur",
  "vers", "de"…, that folds exactly to a commune's name ("St Peray" = "Saint-Péray"); among
  homonyms, the ``preferred_departments`` first, then the most populous;
- **amounts** in euros ("1 450 €", "35 euros", "2,5 k€");
- **e-mail addresses and phone numbers**: found to be masked (:meth:`EntityExtractor.mask`),
  never stored as entities with a value.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from indexer.geo import Commune, Gazetteer
from indexer.geo import fold as geo_fold
from matcher.folding import fold_keep_length
from skills_taxonomy import Taxonomy
from skills_taxonomy.text import strip_accents


class EntityKind(StrEnum):
    """What an entity is."""

    DATE = "date"
    OFFER = "offre"
    ROME = "code_rome"
    OCCUPATION = "metier"
    COMMUNE = "commune"
    AMOUNT = "montant"
    EMAIL = "email"
    PHONE = "telephone"


@dataclass(frozen=True, slots=True)
class Entity:
    """A span of the text, what it is and, when known, its normalised value (ISO date, offer
    id, ROME code, INSEE code, amount in euros) and label (occupation or commune name)."""

    kind: EntityKind
    text: str
    start: int
    end: int
    value: str | None = None
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


MONTHS = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
          "octobre", "novembre", "decembre")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTH = "|".join(MONTHS)
_DAY = "|".join(WEEKDAYS)

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\d])(?:(?:\+|00)33[\s.]?|0)[1-9](?:[\s.-]?\d{2}){4}(?![\d])")
OFFER_CODE = re.compile(r"\b\d{3}[A-Z]{4}\b")
OFFER_NUMBER = re.compile(r"\b\d{7}\b")
OFFER_CONTEXT = re.compile(r"(?:offre|annonce|ref|reference|n°|no|numero|poste)\W{0,4}"
                           r"(?:\w+\W{1,3}){0,3}$")
ROME_CODE = re.compile(r"\b[A-N]\d{4}\b")
AMOUNT = re.compile(r"(?<![\w,.])(\d{1,3}(?:[  .]\d{3})+|\d+)(?:[,.](\d{1,2}))?\s*"
                    r"(k€|k\s?euros?|€|euros?\b|eur\b)")

AMOUNT_RANGE_START = re.compile(r"(?<![\w,.])(\d{1,3}(?:[  .]\d{3})+|\d+)\s*(?:et|à|a|-)\s*$")
_TIME = (r"\b(?:a\s+)?(?:[01]?\d|2[0-3])\s?(?:h|heures?)(?:\s?[0-5]\d)?\b"
         r"(?!\s*(?:par\s|/|hebdo|de\s+travail|semaine|de\s+route))")
DATE_PARTS = re.compile(rf"""
    \b(?:aujourd\s?'?\s?hui|aujourdhui|ajd|auj|apres[- ]demain|demain|hier|avant[- ]hier)\b
  | \b(?:ce|cet|cette)\s+(?:matin|soir|apres[- ]midi|nuit|week[- ]?end)\b
  | \b(?:la\s+)?semaine\s+(?:prochaine|pro|suivante|derniere)\b
  | \b(?:{_DAY})s?(?:\s+(?:prochain|dernier|matin|soir|apres[- ]midi))?(?:\s+et\s+(?:{_DAY})s?)?\b
  | \b(?:1er|premier|\d{{1,2}})\s+(?:(?:au|et)\s+\d{{1,2}}\s+)?(?:{_MONTH})(?:\s+\d{{4}})?\b
  | \b(?:fin|debut|mi)[- ](?:{_MONTH}|du\s+mois|de\s+la\s+semaine|de\s+semaine)\b
  | \bfin\s+(?:du\s+mois|de\s+la\s+semaine)\b | \bla\s+fin\s+de\s+la\s+semaine\b
  | \b(?:{_MONTH})(?:\s+et\s+(?:{_MONTH}))?\b
  | \b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b
  | \ble\s+\d{{1,2}}\b(?=\s*(?:[,.;!?]|$|\s+(?:car|je|j'|on|c'|nous)))
  | {_TIME}
""", re.VERBOSE)
DATE_JOINER = re.compile(r"^[\s,]*(?:a|à|de|vers|le|dès|des)?[\s,]*$")

def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


GENERIC_TITLES = _word_set("""
agent aide assistant chef responsable directeur employe ouvrier stagiaire apprenti
conseiller technicien operateur charge adjoint gerant manager consultant coordinateur
intervenant collaborateur superviseur inspecteur controleur attache delegue referent
conducteur porteur monsieur madame dame homme femme professionnel premier social industriel
correspondant preneur recruteur reporter mediateur employeur garde pilote patron client
conseil expert specialiste fille garcon grande envoye cadre salarie eleve content credit
office entrepreneur transporteur
""")
"""Single words that name a rank or a role, not an occupation, when they stand alone."""
NOT_COMMUNES = _word_set("""
mars mai juin juillet aout lundi mardi mercredi jeudi vendredi samedi dimanche bonjour merci
madame monsieur cordialement france travail pole emploi orange caf bonne belle salut coucou
hello urgent info test ok vous nous elle rien tout tous avril octobre janvier fevrier
septembre novembre decembre cv bien sans cote police oui non garde la garde ligne
cours charge centre les le la saint sainte st ste
""") | {"la garde"}
PREPOSITIONS = frozenset({"a", "sur", "vers", "de", "d", "depuis", "pres", "au", "du", "en",
                          "secteur", "habite", "commune", "ville", "entre", "et", "ou",
                          "aux"})
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+")
AGENT_SUFFIXES = ("eur", "ier", "ien", "iste", "ant", "aire", "ier")
"""Endings of a word that names a person doing a job ("vendeur", "cariste"): only such a
word stands alone as the head of longer job titles ("vendeur" from "Vendeur en
prêt-à-porter"); "grande" or "crédit" do not."""
MIN_LOWERCASE_POPULATION = 1000
MIN_DISTANT_POPULATION = 5000
MAX_TITLE_WORDS = 7


class OccupationLexicon:
    """Job titles → ROME code, for finding occupations in free text.

    Keys are word sequences folded (case, accents), singular and masculine (the ROME's
    feminine → masculine table), so "aides-soignantes" meets "Aide-soignant". Every gendered
    form of an appellation and every occupation label is a key; so is every leading part of
    a form of at least two words ("technicien de maintenance" from "Technicien de
    maintenance industrielle"), and its head noun when it is specific enough ("boulanger",
    not "agent"), mapped to the occupation most of those forms belong to.
    """

    def __init__(self, taxonomy: Taxonomy) -> None:
        self._table = taxonomy.feminine_to_masculine
        full: dict[str, tuple[str, str]] = {}
        partial: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
        titles = [(o.label, o.code, o.label) for o in taxonomy.occupations.values()]
        titles += [(form, a.rome_code, a.label) for a in taxonomy.appellations.values()
                   for form in (a.forms or (a.label,))]
        for text, code, label in titles:
            words = self.words(text)
            if not words or len(words) > MAX_TITLE_WORDS:
                continue
            full.setdefault(" ".join(words), (code, label))
            for size in range(1, len(words)):
                if words[size - 1] not in _LINK_WORDS:
                    partial[" ".join(words[:size])][(code, label)] += 1
        self.phrases = dict(full)
        for key, counts in partial.items():
            if key not in self.phrases and (" " in key or key.endswith(AGENT_SUFFIXES)):
                self.phrases[key] = counts.most_common(1)[0][0]
        for generic in GENERIC_TITLES:
            self.phrases.pop(generic, None)

    def words(self, text: str) -> list[str]:
        """Folded, singular, masculine words of ``text``."""
        return [self._table.get(w, w) for w in (_singular(w) for w in _title_key(text).split())]

    def find(self, text: str) -> list[Entity]:
        """Occupations named in ``text``, longest match first, not overlapping."""
        words = [(m.start(), m.end(), self.words(m.group())) for m in _WORD.finditer(text)]
        keys = [w[2][0] if w[2] else "" for w in words]
        found: list[Entity] = []
        i = 0
        while i < len(words):
            hit = self._longest_at(keys, i)
            if hit is None:
                i += 1
                continue
            size, code, label = hit
            start, end = words[i][0], words[i + size - 1][1]
            found.append(Entity(EntityKind.OCCUPATION, text[start:end], start, end, code,
                                label))
            i += size
        return found

    def _longest_at(self, keys: Sequence[str], i: int) -> tuple[int, str, str] | None:
        if keys[i] in _LINK_WORDS:
            return None
        for size in range(min(MAX_TITLE_WORDS, len(keys) - i), 0, -1):
            if keys[i + size - 1] in _LINK_WORDS:
                continue
            key = " ".join(keys[i:i + size])
            hit = self.phrases.get(key)
            if hit is not None and (size > 1 or len(key) >= 5):
                return size, hit[0], hit[1]
        return None


_LINK_WORDS = frozenset({"de", "d", "du", "des", "en", "et", "a", "au", "aux", "la", "le",
                         "les", "l", "pour", "sur", "ou", "par", "avec", "dans"})


def _title_key(text: str) -> str:
    folded = strip_accents(text.lower()).replace("œ", "oe").replace("’", "'")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith(("s", "x")) and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


class EntityExtractor:
    """Finds the entities of a message; the taxonomy and gazetteer are optional (without
    them, occupations and communes are not looked for)."""

    def __init__(self, taxonomy: Taxonomy | None = None, gazetteer: Gazetteer | None = None,
                 offer_exists: Callable[[str], bool] | None = None,
                 preferred_departments: Sequence[str] = ()) -> None:
        self.taxonomy = taxonomy
        self.gazetteer = gazetteer
        self.offer_exists = offer_exists
        self.preferred_departments = tuple(preferred_departments)
        self._lexicon: OccupationLexicon | None = None
        self._communes: dict[tuple[str, bool], Commune | None] = {}
        self._by_name: dict[str, list[Commune]] | None = None
        self._preferred_names: list[tuple[str, Commune]] = []

    @property
    def lexicon(self) -> OccupationLexicon | None:
        """The occupation lexicon, built on first use (about a second on the full ROME)."""
        if self._lexicon is None and self.taxonomy is not None:
            self._lexicon = OccupationLexicon(self.taxonomy)
        return self._lexicon

    def extract(self, text: str, reference: datetime | date | None = None) -> list[Entity]:
        """Every entity of ``text`` in text order; dates resolved against ``reference``."""
        entities = [*self.contacts(text), *self.offers(text), *self.rome_codes(text),
                    *self.amounts(text)]
        taken = [(e.start, e.end) for e in entities]
        for extra in (*self.dates(text, reference), *self.occupations(text),
                      *self.communes(text)):
            if not any(s < extra.end and extra.start < e for s, e in taken):
                entities.append(extra)
                taken.append((extra.start, extra.end))
        return sorted(entities, key=lambda e: (e.start, e.end))

    # --- contacts and masking -----------------------------------------------------------

    @staticmethod
    def contacts(text: str) -> list[Entity]:
        """E-mail addresses and phone numbers (no value kept: they are masked)."""
        found = [Entity(EntityKind.EMAIL, m.group(), m.start(), m.end())
                 for m in EMAIL.finditer(text)]
        found += [Entity(EntityKind.PHONE, m.group(), m.start(), m.end())
                  for m in PHONE.finditer(text)
                  if not any(e.start <= m.start() < e.end for e in found)]
        return found

    @staticmethod
    def mask(text: str) -> str:
        """``text`` with e-mail addresses and phone numbers replaced by a marker."""
        masked = EMAIL.sub("[adresse e-mail masquée]", text)
        return PHONE.sub("[numéro masqué]", masked)

    # --- identifiers and amounts ------------------------------------------------------

    def offers(self, text: str) -> list[Entity]:
        """Offer ids (see the module docstring)."""
        folded = fold_keep_length(text)
        found = []
        for match in OFFER_CODE.finditer(text):
            found.append(Entity(EntityKind.OFFER, match.group(), match.start(), match.end(),
                                match.group()))
        for match in OFFER_NUMBER.finditer(text):
            known = self.offer_exists is not None and self.offer_exists(match.group())
            if known or OFFER_CONTEXT.search(folded[max(0, match.start() - 40):match.start()]):
                found.append(Entity(EntityKind.OFFER, match.group(), match.start(),
                                    match.end(), match.group()))
        return found

    def rome_codes(self, text: str) -> list[Entity]:
        """ROME codes; with a taxonomy, only those it knows."""
        found = []
        for match in ROME_CODE.finditer(text):
            code = match.group()
            label = None
            if self.taxonomy is not None:
                occupation = self.taxonomy.occupations.get(code)
                if occupation is None:
                    continue
                label = occupation.label
            found.append(Entity(EntityKind.ROME, code, match.start(), match.end(), code,
                                label))
        return found

    @staticmethod
    def amounts(text: str) -> list[Entity]:
        """Amounts in euros, with their value ("1450.00")."""
        found = []
        for match in AMOUNT.finditer(text):
            whole = re.sub(r"[  .]", "", match.group(1))
            value = float(f"{whole}.{match.group(2) or '0'}")
            if match.group(3).lower().startswith("k"):
                value *= 1000
            found.append(Entity(EntityKind.AMOUNT, match.group().strip(), match.start(),
                                match.start() + len(match.group().rstrip()), f"{value:.2f}"))
            lower = AMOUNT_RANGE_START.search(text[max(0, match.start() - 24):match.start()])
            if lower:
                offset = max(0, match.start() - 24)
                low = float(re.sub(r"[  .]", "", lower.group(1)))
                if value >= 1000 > low * 100:  # "2 à 2,5 k€"
                    low *= 1000
                found.append(Entity(EntityKind.AMOUNT, lower.group(1), offset + lower.start(1),
                                    offset + lower.end(1), f"{low:.2f}"))
        return sorted(found, key=lambda e: e.start)

    # --- dates --------------------------------------------------------------------------

    def dates(self, text: str, reference: datetime | date | None = None) -> list[Entity]:
        """Date phrases, adjacent parts joined ("demain" + "à 10 h"), resolved when possible."""
        folded = fold_keep_length(text)
        parts = [m.span() for m in DATE_PARTS.finditer(folded)]
        merged: list[list[int]] = []
        for start, end in parts:
            if merged and DATE_JOINER.match(folded[merged[-1][1]:start]):
                merged[-1][1] = end
            else:
                merged.append([start, end])
        day = reference.date() if isinstance(reference, datetime) else reference
        return [Entity(EntityKind.DATE, text[s:e], s, e, resolve_date(folded[s:e], day))
                for s, e in merged]

    # --- occupations and communes -------------------------------------------------------

    def occupations(self, text: str) -> list[Entity]:
        """Occupations named in the text (needs the taxonomy)."""
        lexicon = self.lexicon
        return [] if lexicon is None else lexicon.find(text)

    def communes(self, text: str) -> list[Entity]:
        """Communes named in the text (needs the gazetteer)."""
        if self.gazetteer is None:
            return []
        words = list(_WORD.finditer(text))
        found: list[Entity] = []
        i = 0
        while i < len(words):
            hit = self._commune_at(text, words, i)
            if hit is None:
                i += 1
                continue
            size, commune = hit
            start, end = words[i].start(), words[i + size - 1].end()
            found.append(Entity(EntityKind.COMMUNE, text[start:end], start, end, commune.code,
                                commune.name))
            i += size
        return found

    def _commune_at(self, text: str, words: Sequence[re.Match[str]], i: int
                    ) -> tuple[int, Commune] | None:
        """The longest commune name starting at word ``i``. A capitalised start, or a start
        right after a preposition ("à privas"); not right after a capitalised word inside a
        sentence (a person's name: "Claire Bonnet"); "au Teil" is "Le Teil"."""
        previous = geo_fold(words[i - 1].group()) if i else ""
        gap = text[words[i - 1].end():words[i].start()] if i else "."
        capitalised = words[i].group()[:1].isupper()
        if not capitalised and previous not in PREPOSITIONS:
            return None
        if capitalised and i and words[i - 1].group()[:1].isupper() and \
                not re.search(r"[.!?:;,\n]", gap) and previous not in PREPOSITIONS:
            return None
        article = {"au": "le ", "aux": "les ", "du": "le "}.get(previous, "")
        for size in range(min(6, len(words) - i), 0, -1):
            last = words[i + size - 1]
            if size > 1 and re.search(r"[.,;:!?\n]", text[words[i].end():last.start()]):
                continue
            name = geo_fold(text[words[i].start():last.end()])
            if not name or name in NOT_COMMUNES or (size == 1 and len(name) < 3):
                continue
            commune = None
            if article:
                commune = self._commune_named(article + name, lowercase=not capitalised)
            commune = commune or self._commune_named(name, lowercase=not capitalised)
            if commune is not None:
                return size, commune
        return None

    def _commune_named(self, name: str, lowercase: bool) -> Commune | None:
        """A commune whose folded name is ``name``: one of the preferred départements (its
        exact name, else a longer name it begins: "tournon" → "Tournon-sur-Rhône"), else,
        for a capitalised name, an exact match elsewhere that is a town (at least
        ``MIN_DISTANT_POPULATION`` people when départements are preferred)."""
        key = (name, lowercase)
        if key not in self._communes:
            self._communes[key] = self._find_commune(name, lowercase)
        return self._communes[key]

    def _names(self) -> dict[str, list[Commune]]:
        """Current communes by folded name, built on first use (exact look-ups only: a
        fuzzy match of every capitalised word would find a village for most of them)."""
        if self._by_name is None:
            assert self.gazetteer is not None
            by_name: dict[str, list[Commune]] = defaultdict(list)
            for commune in self.gazetteer:
                if commune.is_current:
                    by_name[geo_fold(commune.name)].append(commune)
            self._by_name = dict(by_name)
            self._preferred_names = sorted(
                (name, c) for name, communes in by_name.items() for c in communes
                if c.department in self.preferred_departments)
        return self._by_name

    def _find_commune(self, name: str, lowercase: bool) -> Commune | None:
        exact = self._names().get(name, [])
        if self.preferred_departments:
            mine = [c for c in exact if c.department in self.preferred_departments]
            if not mine:
                mine = [c for longer, c in self._preferred_names
                        if len(name) >= 4 and longer.startswith(name + " ")]
            if mine:
                return max(mine, key=lambda c: c.population or 0)
            if lowercase:
                return None
            exact = [c for c in exact if (c.population or 0) >= MIN_DISTANT_POPULATION]
        elif lowercase:
            exact = [c for c in exact if (c.population or 0) >= MIN_LOWERCASE_POPULATION]
        return max(exact, key=lambda c: c.population or 0) if exact else None


def resolve_date(phrase: str, reference: date | None) -> str | None:
    """The ISO date (and "THH:MM" time) of a folded date phrase, or None when it names no
    single day (a month, "fin mai") or there is no reference date for a relative one."""
    time = _time_of(phrase)
    day = _day_of(phrase, reference)
    if day is None:
        return None
    return day.isoformat() + (f"T{time}" if time else "")


def _time_of(phrase: str) -> str | None:
    match = re.search(r"(\d{1,2})\s?(?:h|heures?)\s?(\d{2})?", phrase)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def _day_of(phrase: str, reference: date | None) -> date | None:
    absolute = re.search(rf"\b(1er|premier|\d{{1,2}})\s+({_MONTH})(?:\s+(\d{{4}}))?", phrase)
    if absolute:
        number = 1 if absolute.group(1) in ("1er", "premier") else int(absolute.group(1))
        year = int(absolute.group(3)) if absolute.group(3) else (
            reference.year if reference else None)
        return _safe_date(year, MONTHS.index(absolute.group(2)) + 1, number)
    numeric = re.search(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b", phrase)
    if numeric:
        year_text = numeric.group(3)
        year = (int(year_text) + (2000 if len(year_text) == 2 else 0)) if year_text else (
            reference.year if reference else None)
        return _safe_date(year, int(numeric.group(2)), int(numeric.group(1)))
    if reference is None:
        return None
    return _relative_day(phrase, reference)


def _relative_day(phrase: str, reference: date) -> date | None:
    offsets = (("apres-demain", 2), ("apres demain", 2), ("avant-hier", -2),
               ("avant hier", -2), ("demain", 1), ("hier", -1))
    for word, offset in offsets:
        if word in phrase:
            return reference + timedelta(days=offset)
    if re.search(r"aujourd|\bajd\b|\bauj\b|\bce (?:matin|soir)\b|cet apres|cette nuit", phrase):
        return reference
    weekday = re.search(rf"\b({_DAY})\b", phrase)
    if weekday and " et " not in phrase and not phrase.rstrip().endswith("s"):
        target = WEEKDAYS.index(weekday.group(1))
        delta = (target - reference.weekday()) % 7
        if "dernier" in phrase:
            return reference - timedelta(days=(reference.weekday() - target) % 7 or 7)
        return reference + timedelta(days=delta or 7)
    return None


def _safe_date(year: int | None, month: int, day: int) -> date | None:
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def entity_values(entities: Iterable[Entity], kind: EntityKind) -> list[str]:
    """The values (or texts, when no value) of the entities of one kind, in order."""
    return [e.value or e.text for e in entities if e.kind is kind]
