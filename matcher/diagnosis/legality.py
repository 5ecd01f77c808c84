"""Legality check of a job offer's wording against French non-discrimination rules.

What the law says (Code du travail):

- **L1132-1** lists the criteria on which no one may be excluded from a recruitment: origin,
  sex, morals, sexual orientation, gender identity, age, family situation, pregnancy, genetic
  characteristics, economic vulnerability, membership of an ethnic group, nation or alleged
  race, political opinions, union or mutual activities, religious convictions, physical
  appearance, surname, place of residence, bank domiciliation, health, loss of autonomy,
  disability, and the ability to speak a language other than French.
- **L5321-2**: no job offer may refer to any of those characteristics.
- **L1142-1**: no offer may mention the sex or the family situation of the person sought,
  except where belonging to one sex is the determining condition of the job (R1142-1:
  performers cast for a male or female role, models, fashion models).
- **L5331-2**: no upper age limit in an offer, except a condition of age set by law (the
  alternance contracts: apprenticeship up to 29, professionalisation contract up to 25).
- **L1133-1 to L1133-4**: differences of treatment answering an essential and determining
  occupational requirement, age differences objectively justified (L1133-2), and measures
  in favour of disabled workers (L1133-4, L5212-13: jobs reserved to the beneficiaries of the
  employment obligation) are not discrimination.

The check is rule-based (:mod:`matcher.diagnosis.legality_rules` holds every rule with its
pattern, its exceptions, the article it applies and a neutral rewording); this module runs
the rules over an offer's title and description and returns each flag with its span.

Two severities: ``interdit`` for a mention the texts forbid outright ("moins de 30 ans",
"nationalité française exigée" outside the public service, a title in the feminine only), and
``a_verifier`` for wording the Défenseur des droits and France Travail's drafting guide
advise against because it may exclude indirectly ("bonne présentation", "équipe jeune",
"jeune diplômé" as the profile sought, a title in the masculine only without "H/F"): the
counsellor decides.

Choices (``docs/counsellor-tools.md`` gives the reasons):

- "junior" / "senior" name a level of experience and are not flagged; "jeune diplômé" is
  flagged (``a_verifier``) when it is the profile sought, not when the offer says recent
  graduates are *also* welcome ("débutants et jeunes diplômés acceptés");
- "débutant accepté", "permis B", "maîtrise du français", "18 ans minimum" (work of minors is
  restricted by law), "casier judiciaire", "aptitude médicale", "RQTH bienvenue", "poste
  réservé aux bénéficiaires de l'obligation d'emploi" are legitimate and not flagged;
- "nationalité française" is legitimate in the public service context (concours,
  fonctionnaire, police, armées, magistrature): the flag is skipped there;
- an upper age limit in an apprenticeship (≤ 29) or professionalisation contract (≤ 25)
  offer is legal; a stricter one ("apprenti de moins de 21 ans") is flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from matcher.diagnosis.legality_rules import (
    BEFORE_WINDOW,
    NON_DISCRIMINATION_STATEMENT,
    RULES,
    Category,
    Rule,
    Severity,
    feminine_title_words,
)
from matcher.folding import fold_keep_length

SENTENCE_BREAK = re.compile(r"[.!?;\n•▪►✓*|]|\s[-–—]\s|\s{3,}")
HF_MARKER = re.compile(
    r"(?<![a-z0-9])\(?\s*(?:h\s*[/\\-]\s*f|f\s*[/\\-]\s*h|m\s*/\s*f|f\s*/\s*m|h\s*ou\s*f)"
    r"(?:\s*[/-]\s*(?:x|nb|autre))?\s*\)?(?![a-z0-9])"
    r"|\bhomme\s*(?:/|ou|et|-)\s*femme\b|\bfemme\s*(?:/|ou|et|-)\s*homme\b"
    r"|\bhommes?\s*(?:/|ou|et|-)\s*femmes?\b|\bfemmes?\s*(?:/|ou|et|-)\s*hommes?\b")
INCLUSIVE_FORM = re.compile(
    r"(?<=[a-z])(?:\s?[(.·/-]\s?)(?:e|se|euse|rice|trice|ice|ere|iere|ienne|nne|ne|ve|le|te|"
    r"ete|esse|fe)\)?(?:[.·]?s)?(?![a-z])|\bun\s?\(e\)|\bun\s?[.·/-]\s?e\b|\bun\s?[.·/]\s?une\b")
WORD = re.compile(r"[a-z]+")


class LegalityError(ValueError):
    """A rule or lexicon that cannot be used (raised when a checker is built)."""


@dataclass(frozen=True, slots=True)
class LegalityFlag:
    """One passage of an offer that may break a non-discrimination rule.

    ``start``/``end`` index the checked field's text (``field`` is ``title`` or
    ``description``); ``passage`` is that span, ``context`` the sentence holding it.
    """

    category: Category
    rule_id: str
    severity: Severity
    field: str
    start: int
    end: int
    passage: str
    context: str
    law: str
    reason: str
    suggestion: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (enums as their values)."""
        data = asdict(self)
        data["category"] = self.category.value
        data["severity"] = self.severity.value
        return data


@dataclass(frozen=True, slots=True)
class LegalityReport:
    """The flags of one text or offer, in the order of the text."""

    flags: tuple[LegalityFlag, ...] = ()
    checked_fields: tuple[str, ...] = field(default_factory=tuple)

    @property
    def categories(self) -> frozenset[Category]:
        """The categories flagged at least once."""
        return frozenset(flag.category for flag in self.flags)

    @property
    def is_clean(self) -> bool:
        """True when nothing was flagged."""
        return not self.flags

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"flags": [flag.to_dict() for flag in self.flags],
                "checked_fields": list(self.checked_fields)}


def _sentence(folded: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence (or bullet) around ``start``–``end``."""
    left = 0
    for match in SENTENCE_BREAK.finditer(folded, 0, start):
        left = match.end()
    right_match = SENTENCE_BREAK.search(folded, end)
    right = right_match.start() if right_match else len(folded)
    return left, right


class LegalityChecker:
    """Runs the rules over texts; built once (the rules' patterns are compiled at import).

    ``feminine_to_masculine``: folded feminine job words → their masculine
    (``Taxonomy.feminine_to_masculine``, built from the ROME's gendered job titles); without
    it, the hand-written list of :func:`feminine_title_words` is used. It decides whether a
    title is written in one gender only.
    """

    def __init__(self, feminine_to_masculine: Mapping[str, str] | None = None,
                 rules: Sequence[Rule] = RULES) -> None:
        table = dict(feminine_to_masculine or feminine_title_words())
        table.pop("femme", None)  # "femme" / "homme" are handled by their own rules
        if not table:
            raise LegalityError("the feminine → masculine lexicon is empty")
        self._feminine = table
        self._masculine = {m: f for f, m in table.items() if m != f}
        self._rules = tuple(rules)

    def check_offer(self, title: str, description: str = "") -> LegalityReport:
        """Flags of an offer's title (gender of the title, then every rule) and description."""
        flags = [*self._title_gender(title), *self.check_text(title, "title").flags,
                 *self.check_text(description, "description", title=title).flags]
        return LegalityReport(tuple(_dedupe(flags)), ("title", "description"))

    def check_text(self, text: str, field: str = "description",
                   title: str = "") -> LegalityReport:
        """Flags of one text. ``title`` is the offer's title, which some exceptions read (an
        apprenticeship named in the title makes its legal age limit legitimate)."""
        folded = fold_keep_length(text)
        whole = f"{fold_keep_length(title)}\n{folded}"
        flags: list[LegalityFlag] = []
        for rule in self._rules:
            for match in rule.pattern.finditer(folded):
                flag = self._flag(rule, match, text, folded, whole, field)
                if flag is not None:
                    flags.append(flag)
        flags.extend(self._feminine_sought(text, folded, field, title))
        flags.sort(key=lambda f: (f.start, f.end, f.rule_id))
        return LegalityReport(tuple(_dedupe(flags)), (field,))

    def _flag(self, rule: Rule, match: re.Match[str], text: str, folded: str, whole: str,
              field: str) -> LegalityFlag | None:
        start, end = match.span(rule.group)
        left, right = _sentence(folded, start, end)
        sentence = folded[left:right]
        if NON_DISCRIMINATION_STATEMENT.search(sentence):
            return None
        if any(p.search(sentence) for p in rule.unless):
            return None
        before = folded[max(left, start - BEFORE_WINDOW):start]
        if any(p.search(before) for p in rule.unless_before):
            return None
        if any(p.search(whole) for p in rule.unless_in_offer):
            return None
        if rule.accept is not None and not rule.accept(match, sentence, whole):
            return None
        return LegalityFlag(rule.category, rule.id, rule.severity, field, start, end,
                            text[start:end], text[left:right].strip(), rule.law, rule.reason,
                            rule.suggestion)

    # --- the gender of job titles -------------------------------------------------------

    def _title_gender(self, title: str) -> list[LegalityFlag]:
        """A title in the feminine only (``interdit``) or in the masculine only without
        "H/F" or the feminine form (``a_verifier``)."""
        folded = fold_keep_length(title)
        if HF_MARKER.search(folded) or INCLUSIVE_FORM.search(folded):
            return []
        words = list(WORD.finditer(folded))
        present = {w.group() for w in words}
        if "/" in folded and any(w in self._feminine for w in present) and any(
                w in self._masculine for w in present):
            return []  # a double form: "Garçon / Serveuse", "Délégué / Déléguée"
        feminine = [w for w in words if w.group() in self._feminine
                    and self._feminine[w.group()] not in present]
        if feminine:
            first = feminine[0]
            rule = _TITLE_FEMININE
            return [LegalityFlag(rule.category, rule.id, rule.severity, "title", first.start(),
                                 first.end(), title[first.start():first.end()], title.strip(),
                                 rule.law, rule.reason, rule.suggestion)]
        masculine = [w for w in words if w.group() in self._masculine
                     and self._masculine[w.group()] not in present]
        if masculine:
            first = masculine[0]
            rule = _TITLE_MASCULINE
            return [LegalityFlag(rule.category, rule.id, rule.severity, "title", first.start(),
                                 first.end(), title[first.start():first.end()], title.strip(),
                                 rule.law, rule.reason, rule.suggestion)]
        return []

    def _feminine_sought(self, text: str, folded: str, field: str,
                         title: str) -> Iterable[LegalityFlag]:
        """"Nous recherchons une vendeuse": the person sought named in the feminine only."""
        rule = _SOUGHT_FEMININE
        for match in _SOUGHT_ONE.finditer(folded):
            word = match.group("noun")
            if word not in self._feminine or word == self._feminine[word]:
                continue
            start, end = match.span("noun")
            tail = folded[end:end + 12]
            if HF_MARKER.match(tail.strip()) or re.match(r"\s*(?:/|ou)\s*\w", tail):
                continue
            left, right = _sentence(folded, start, end)
            yield LegalityFlag(rule.category, rule.id, rule.severity, field,
                               match.start("article"), end, text[match.start("article"):end],
                               text[left:right].strip(), rule.law, rule.reason,
                               rule.suggestion)


_SOUGHT_ONE = re.compile(
    r"\b(?:recherch\w*|recrut\w*|cherch\w*|embauch\w*|poste\s+d')\s+(?:d'\s*)?"
    r"(?P<article>une)\s+(?:\w+\s+)??(?P<noun>[a-z]+)")
_TITLE_FEMININE = Rule(
    id="sexe.intitule_feminin", category=Category.SEX, severity=Severity.FORBIDDEN,
    pattern=re.compile(r"$^"),
    law="Code du travail, art. L1142-1 et L5321-2",
    reason="L'intitulé n'est écrit qu'au féminin : l'offre semble réservée aux femmes.",
    suggestion="Écrire les deux formes (« Vendeur / Vendeuse ») ou ajouter « H/F ».")
_TITLE_MASCULINE = Rule(
    id="sexe.intitule_masculin", category=Category.SEX, severity=Severity.TO_CHECK,
    pattern=re.compile(r"$^"),
    law="Code du travail, art. L1142-1 et L5321-2",
    reason="L'intitulé n'est écrit qu'au masculin, sans « H/F » ni forme féminine.",
    suggestion="Ajouter « H/F » ou la forme féminine (« Maçon / Maçonne (H/F) »).")
_SOUGHT_FEMININE = Rule(
    id="sexe.personne_recherchee_feminin", category=Category.SEX,
    severity=Severity.TO_CHECK, pattern=re.compile(r"$^"),
    law="Code du travail, art. L1142-1 et L5321-2",
    reason="La personne recherchée n'est désignée qu'au féminin.",
    suggestion="Désigner le poste sous les deux formes (« un ou une assistant(e) ») ou au "
               "neutre (« la personne recrutée »).")


def _dedupe(flags: Iterable[LegalityFlag]) -> list[LegalityFlag]:
    """One flag per category and overlapping span (the first rule in the text wins)."""
    kept: list[LegalityFlag] = []
    for flag in flags:
        if any(k.category == flag.category and k.field == flag.field
               and k.start < flag.end and flag.start < k.end for k in kept):
            continue
        kept.append(flag)
    return kept


_DEFAULT: LegalityChecker | None = None


def check_offer_wording(title: str, description: str = "",
                        feminine_to_masculine: Mapping[str, str] | None = None
                        ) -> LegalityReport:
    """:meth:`LegalityChecker.check_offer` with a checker built once (the built-in lexicon
    unless ``feminine_to_masculine`` is given)."""
    global _DEFAULT
    if feminine_to_masculine is not None:
        return LegalityChecker(feminine_to_masculine).check_offer(title, description)
    if _DEFAULT is None:
        _DEFAULT = LegalityChecker()
    return _DEFAULT.check_offer(title, description)
