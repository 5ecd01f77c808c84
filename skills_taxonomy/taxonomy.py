"""The :class:`Taxonomy`: ROME concepts, their relations and label search."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence

from skills_taxonomy.esco_reader import EscoData, esco_rome_codes
from skills_taxonomy.model import (
    Appellation,
    CrosswalkRow,
    EscoConcept,
    Item,
    LabelMatch,
    Occupation,
    OccupationItem,
)
from skills_taxonomy.rome_reader import RomeData, split_gendered
from skills_taxonomy.search import DEFAULT_KINDS, LabelEntry, LabelIndex
from skills_taxonomy.text import build_feminine_table, fold

logger = logging.getLogger(__name__)


def _gender_pairs(rome: RomeData) -> list[tuple[str, str]]:
    labels = [a.label for a in rome.appellations.values()]
    labels += [o.label for o in rome.occupations.values()]
    pairs = (split_gendered(label) for label in labels)
    return [(pair[0], pair[1]) for pair in pairs if len(pair) == 2]


def _build_index(rome: RomeData, esco: EscoData | None, table: dict[str, str]) -> LabelIndex:
    index = LabelIndex(table)
    for occ in rome.occupations.values():
        entry = LabelEntry("occupation", occ.code, occ.label, occ.code)
        index.add(entry, split_gendered(occ.label))
    for app in rome.appellations.values():
        entry = LabelEntry("appellation", app.code, app.label, app.rome_code)
        index.add(entry, (*app.forms, app.short_label))
    for item in rome.items.values():
        index.add(LabelEntry("item", item.code, item.label, None), (item.label,))
    if esco is not None:
        _add_esco(index, rome, esco)
    return index


def _add_esco(index: LabelIndex, rome: RomeData, esco: EscoData) -> None:
    appellation_rome = {app.code: app.rome_code for app in rome.appellations.values()}
    rome_of = esco_rome_codes(esco.crosswalk, appellation_rome)
    for concept in esco.occupations.values():
        rome_code = rome_of.get(concept.uri)
        entry = LabelEntry("esco_occupation", concept.uri, concept.preferred_label, rome_code)
        index.add(entry, (concept.preferred_label, *concept.alt_labels))
    for concept in esco.skills.values():
        entry = LabelEntry("esco_skill", concept.uri, concept.preferred_label, None)
        index.add(entry, (concept.preferred_label, *concept.alt_labels))


class Taxonomy:
    """ROME 4.0 occupations, job titles, skills and knowledge, with optional ESCO labels."""

    def __init__(self, rome: RomeData, esco: EscoData | None, checksum: str) -> None:
        """Build lookups and the label index; prefer :func:`skills_taxonomy.load_taxonomy`."""
        self._rome = rome
        self._esco = esco
        self._checksum = checksum
        self.feminine_to_masculine: dict[str, str] = build_feminine_table(_gender_pairs(rome))
        self._by_rome: defaultdict[str, list[Appellation]] = defaultdict(list)
        for app in rome.appellations.values():
            self._by_rome[app.rome_code].append(app)
        self._children: defaultdict[str, list[str]] = defaultdict(list)
        for occ in rome.occupations.values():
            self._children[occ.parent_code].append(occ.code)
        self.index = _build_index(rome, esco, self.feminine_to_masculine)
        self.index.prepare()
        self._item_occupations: dict[str, list[tuple[str, bool]]] | None = None
        logger.info("taxonomy ready: %d searchable keys", len(self.index))

    @property
    def occupations(self) -> Mapping[str, Occupation]:
        """Occupations by ROME code."""
        return self._rome.occupations

    @property
    def appellations(self) -> Mapping[str, Appellation]:
        """Job titles by ``code_ogr``."""
        return self._rome.appellations

    @property
    def items(self) -> Mapping[str, Item]:
        """Skills and knowledge items by ``code_ogr``."""
        return self._rome.items

    @property
    def esco_occupations(self) -> Mapping[str, EscoConcept]:
        """ESCO occupations by URI (empty without ESCO)."""
        return self._esco.occupations if self._esco else {}

    @property
    def esco_skills(self) -> Mapping[str, EscoConcept]:
        """ESCO skills by URI (empty without ESCO)."""
        return self._esco.skills if self._esco else {}

    @property
    def crosswalk(self) -> tuple[CrosswalkRow, ...]:
        """ESCO ↔ ROME crosswalk rows (empty without ESCO)."""
        return self._esco.crosswalk if self._esco else ()

    @property
    def checksum(self) -> str:
        """SHA-256 of the source files the taxonomy was read from."""
        return self._checksum

    def occupation(self, code: str) -> Occupation:
        """Return the occupation ``code``; raise ``KeyError("unknown ROME code 'X'")``."""
        try:
            return self._rome.occupations[code]
        except KeyError:
            raise KeyError(f"unknown ROME code {code!r}") from None

    def appellations_of(self, rome_code: str) -> list[Appellation]:
        """Job titles of an occupation, sorted by label."""
        self.occupation(rome_code)
        return sorted(self._by_rome.get(rome_code, []), key=lambda app: (app.label, app.code))

    def items_of(self, rome_code: str, core_only: bool = False) -> list[OccupationItem]:
        """Skills and knowledge of an occupation, core items first, then by label."""
        self.occupation(rome_code)
        items = self._rome.items
        linked = [
            OccupationItem(items[code], core)
            for code, core in self._rome.links.get(rome_code, ())
            if core or not core_only
        ]
        return sorted(linked, key=lambda link: (not link.core, link.item.label, link.item.code))

    def mobility_targets(self, rome_code: str) -> list[tuple[str, int]]:
        """Mobility targets ``(ROME code, rank)``, best (lowest ``numero_ordre``) first."""
        self.occupation(rome_code)
        return list(self._rome.mobility.get(rome_code, ()))

    def definition(self, rome_code: str) -> str:
        """The occupation's definition and access-to-employment text ("" when the ROME's
        texts file was not read)."""
        self.occupation(rome_code)
        return self._rome.definitions.get(rome_code, "")

    def occupations_of_item(self, item_code: str) -> list[tuple[str, bool]]:
        """The occupations an item is linked to, ``(ROME code, core)``, sorted by code."""
        if self._item_occupations is None:
            linked: defaultdict[str, list[tuple[str, bool]]] = defaultdict(list)
            for code, items in sorted(self._rome.links.items()):
                for item, core in items:
                    linked[item].append((code, core))
            self._item_occupations = dict(linked)
        return list(self._item_occupations.get(item_code, ()))

    def children_of(self, parent_code: str) -> list[str]:
        """The occupations whose parent sheet is ``parent_code`` (itself included), sorted."""
        return sorted(self._children.get(parent_code, []))

    def parent_of(self, rome_code: str) -> str:
        """The ``code_rome_parent`` of an occupation (itself for a parent)."""
        return self.occupation(rome_code).parent_code

    def related_occupations(self, rome_code: str) -> list[str]:
        """Other occupations that share this occupation's parent code, sorted."""
        parent = self.parent_of(rome_code)
        return sorted(code for code in self._children.get(parent, []) if code != rome_code)

    def title_synonyms(self) -> list[str]:
        """Job-title synonym rules ("vendeur en rayon, vendeuse en rayon"): the gendered
        forms of each appellation, for search engines that expand titles at query time."""
        rules = (", ".join(a.forms) for a in self._rome.appellations.values()
                 if len(a.forms) > 1 and all("," not in form for form in a.forms))
        return sorted(set(rules))

    def fold(self, text: str) -> str:
        """Fold ``text`` with this taxonomy's feminine → masculine table."""
        return fold(text, self.feminine_to_masculine)

    def search(
        self, text: str, kinds: Sequence[str] = DEFAULT_KINDS, limit: int = 10
    ) -> list[LabelMatch]:
        """Search concept labels (accent-, case- and gender-insensitive), best first."""
        return self.index.search(text, kinds, limit)

    def normalise_title(self, text: str, limit: int = 5) -> list[LabelMatch]:
        """Map a free-text job title to ranked appellations / occupations."""
        return self.index.normalise_title(text, limit)
