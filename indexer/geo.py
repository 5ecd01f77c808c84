"""French communes: names, postcodes, population and coordinates, joined from two public sources.

``communes.json`` (the official geographic code, COG) gives each commune's INSEE code, name,
department, region, postcodes and population but no coordinates. ``laposte_hexasmal.csv`` (La
Poste's postcode base, ``;``-separated) gives ``"lat, lon"`` per (INSEE code, postcode) row, with
several rows per commune. The join is on the INSEE code; a commune's point is the mean of its
La Poste rows. A COG commune absent from La Poste (a "commune nouvelle" created after 2019) takes
the mean point of its former communes (``anciensCodes``) when La Poste has them; Paris, Lyon
and Marseille, which La Poste lists only by arrondissement, the mean point of their
arrondissements (otherwise an offer placed "75056" would have no point). A La Poste code
absent from the COG (a former commune) is kept, with the name La Poste gives, so that old codes in
offers still resolve.

Loading parses ~37,000 + ~39,000 records; a pickle cache keyed by the files' SHA-256 makes later
loads much faster (see :meth:`Gazetteer.load`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import pickle
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from indexer.atomic import write_bytes_atomic
from indexer.distance import haversine_km_radians
from indexer.models import GeoPoint, Place
from skills_taxonomy.pickling import read_pickle_file

logger = logging.getLogger(__name__)

COMMUNES_FILE = "communes.json"
DEPARTMENTS_FILE = "departements.json"
LAPOSTE_FILE = "laposte_hexasmal.csv"
CACHE_FORMAT = 2

#: COG kinds that are communes today (the others are former or delegated communes).
CURRENT_KINDS = frozenset({"commune-actuelle", "arrondissement-municipal"})
#: Kind given to La Poste codes that the COG no longer lists.
FORMER_KIND = "ancienne-commune"

_PLACE_LABEL = re.compile(r"^\s*(\d[\dAB]|97\d)\s*-\s*(.+?)\s*$")


@dataclass(frozen=True, slots=True)
class Commune:
    """One commune (or former / delegated commune) with its point when known.

    ``department`` and ``region`` are COG codes ("07", "84"); ``kind`` is the COG ``type``
    (``commune-actuelle``, ``commune-deleguee``, ...) or ``ancienne-commune`` for a code known only
    to La Poste.
    """

    code: str
    name: str
    department: str | None
    region: str | None
    postcodes: tuple[str, ...]
    population: int | None
    point: GeoPoint | None
    kind: str = "commune-actuelle"

    @property
    def is_current(self) -> bool:
        """True for a commune that exists today (including Paris/Lyon/Marseille arrondissements)."""
        return self.kind in CURRENT_KINDS


_FOLD_TABLE = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": " ", "'": " ", "-": " "})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ABBREVIATIONS = {"saint": "st", "sainte": "ste"}


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, and abbreviate saint(e) as in La Poste's names.

    ``"Saint-Péray"``, ``"ST PERAY"`` and ``"st peray"`` all fold to ``"st peray"``.
    """
    ascii_text = (
        unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_TABLE))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    words = _NON_ALNUM.sub(" ", ascii_text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


# --------------------------------------------------------------------------- raw sources


_Row = tuple[str, str, str | None, str | None, tuple[str, ...], int | None,
             float | None, float | None, str]
"""code, name, department, region, postcodes, population, lat, lon, kind."""


@dataclass(slots=True)
class _Raw:
    """Plain, picklable content and indexes of the gazetteer.

    Holds no pydantic objects (they unpickle slowly): communes are materialised on demand.
    """

    rows: list[_Row] = field(default_factory=list)
    departments: dict[str, str] = field(default_factory=dict)
    by_code: dict[str, int] = field(default_factory=dict)
    by_postcode: dict[str, list[int]] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    located: list[int] = field(default_factory=list)
    lat_rad: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    lon_rad: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def index(cls, rows: list[_Row], departments: Mapping[str, str]) -> _Raw:
        """Build the look-up indexes over ``rows``."""
        raw = cls(rows=rows, departments=dict(sorted(departments.items())))

        def rank(i: int) -> tuple[bool, int, str]:
            row = rows[i]
            return (row[8] not in CURRENT_KINDS, -(row[5] or 0), row[0])

        by_postcode: dict[str, list[int]] = defaultdict(list)
        by_name: dict[str, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            known = raw.by_code.get(row[0])
            if known is None or (row[8] in CURRENT_KINDS and rows[known][8] not in CURRENT_KINDS):
                raw.by_code[row[0]] = i
            for postcode in row[4]:
                by_postcode[postcode].append(i)
            by_name[fold(row[1])].append(i)
        raw.by_postcode = {k: sorted(v, key=rank) for k, v in by_postcode.items()}
        raw.by_name = {k: sorted(v, key=rank) for k, v in by_name.items()}
        raw.located = [i for i, row in enumerate(rows)
                       if row[6] is not None and row[7] is not None and row[8] in CURRENT_KINDS]
        raw.lat_rad = np.radians(np.array([rows[i][6] for i in raw.located], dtype=np.float64))
        raw.lon_rad = np.radians(np.array([rows[i][7] for i in raw.located], dtype=np.float64))
        return raw


def _parse_gps(value: str) -> tuple[float, float] | None:
    parts = value.split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return lat, lon


def _read_laposte(path: Path) -> tuple[dict[str, list[tuple[float, float]]],
                                       dict[str, list[str]], dict[str, str]]:
    """Points, postcodes and names by INSEE code, from La Poste's file."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    postcodes: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader, None)
        for row in reader:
            if len(row) < 6:
                continue
            code, name, postcode, gps = row[0].strip(), row[1].strip(), row[2].strip(), row[5]
            names.setdefault(code, name)
            if postcode and postcode not in postcodes[code]:
                postcodes[code].append(postcode)
            point = _parse_gps(gps)
            if point is not None:
                points[code].append(point)
    return points, postcodes, names


def _mean(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    pts = list(points)
    if not pts:
        return None
    lat = sum(p[0] for p in pts) / len(pts)
    lon = sum(p[1] for p in pts) / len(pts)
    return round(lat, 6), round(lon, 6)


def _department_of(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def _build_raw(geo_dir: Path) -> _Raw:
    """Parse and join the source files."""
    cog: list[dict[str, Any]] = json.loads((geo_dir / COMMUNES_FILE).read_text(encoding="utf-8"))
    laposte_path = geo_dir / LAPOSTE_FILE
    if laposte_path.exists():
        points, lp_postcodes, lp_names = _read_laposte(laposte_path)
    else:
        logger.warning("%s not found: communes will have no coordinates", laposte_path)
        points, lp_postcodes, lp_names = {}, {}, {}
    rows: list[_Row] = []
    seen: set[tuple[str, str]] = set()
    arrondissements: dict[str, list[str]] = defaultdict(list)
    for entry in cog:
        if entry.get("type") == "arrondissement-municipal" and entry.get("commune"):
            arrondissements[str(entry["commune"])].append(str(entry["code"]))
    for entry in cog:
        code, kind = str(entry["code"]), str(entry.get("type", "commune-actuelle"))
        if (code, kind) in seen:
            continue
        seen.add((code, kind))
        own = points.get(code, [])
        if not own:
            own = [p for old in entry.get("anciensCodes", []) for p in points.get(old, [])]
        if not own:
            own = [p for part in arrondissements.get(code, ()) for p in points.get(part, [])]
        mean = _mean(own)
        postcodes = tuple(dict.fromkeys([*entry.get("codesPostaux", []),
                                         *lp_postcodes.get(code, [])]))
        population = entry.get("population")
        rows.append((
            code, str(entry["nom"]), entry.get("departement"), entry.get("region"), postcodes,
            int(population) if population is not None else None,
            mean[0] if mean else None, mean[1] if mean else None, kind,
        ))
    cog_codes = {row[0] for row in rows}
    for code in sorted(set(lp_names) - cog_codes):
        mean = _mean(points.get(code, []))
        rows.append((
            code, lp_names[code].title(), _department_of(code), None,
            tuple(lp_postcodes.get(code, [])), None,
            mean[0] if mean else None, mean[1] if mean else None, FORMER_KIND,
        ))
    departments: dict[str, str] = {}
    departments_path = geo_dir / DEPARTMENTS_FILE
    if departments_path.exists():
        for dep in json.loads(departments_path.read_text(encoding="utf-8")):
            departments[str(dep["code"])] = str(dep["nom"])
    return _Raw.index(rows, departments)


# --------------------------------------------------------------------------- cache


def _checksum(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256(f"gazetteer-cache-v{CACHE_FORMAT}".encode())
    for path in paths:
        digest.update(path.name.encode())
        if path.exists():
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()


def _load_raw(geo_dir: Path, cache_dir: Path | None) -> _Raw:
    if cache_dir is None:
        return _build_raw(geo_dir)
    key = _checksum(geo_dir / name for name in (COMMUNES_FILE, LAPOSTE_FILE, DEPARTMENTS_FILE))
    cache_path = cache_dir / f"gazetteer-{key[:24]}.pickle"
    cached = read_pickle_file(cache_path, "gazetteer cache")
    if isinstance(cached, _Raw):
        return cached
    raw = _build_raw(geo_dir)
    try:
        write_bytes_atomic(cache_path, pickle.dumps(raw, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:
        logger.warning("could not write gazetteer cache %s: %s", cache_path, exc)
    return raw


# --------------------------------------------------------------------------- gazetteer


class Gazetteer:
    """Look-ups over French communes: by INSEE code, postcode, name, and distance.

    Build it with :meth:`load` (the public data files) or :meth:`from_communes`.
    """

    def __init__(self, raw: _Raw) -> None:
        """Wrap prepared indexes; use :meth:`load` or :meth:`from_communes` instead."""
        self._raw = raw
        self._communes: list[Commune | None] = [None] * len(raw.rows)
        self._names = list(raw.by_name)

    @classmethod
    def from_communes(cls, communes: Iterable[Commune],
                      departments: Mapping[str, str] | None = None) -> Gazetteer:
        """A gazetteer over the given communes (when a code appears twice, the current one
        wins for :meth:`commune`)."""
        rows: list[_Row] = [
            (c.code, c.name, c.department, c.region, tuple(c.postcodes), c.population,
             c.point.lat if c.point else None, c.point.lon if c.point else None, c.kind)
            for c in communes
        ]
        return cls(_Raw.index(rows, departments or {}))

    @classmethod
    def load(cls, geo_dir: Path, cache_dir: Path | None = None) -> Gazetteer:
        """Load ``communes.json``, ``laposte_hexasmal.csv`` and ``departements.json`` from
        ``geo_dir``. With ``cache_dir``, the parsed join and its indexes are pickled there under
        a name derived from the files' SHA-256 (written atomically), and reused while the files
        are unchanged.
        """
        gazetteer = cls(_load_raw(Path(geo_dir), cache_dir))
        logger.debug("gazetteer: %d communes from %s", len(gazetteer), geo_dir)
        return gazetteer

    def _at(self, index: int) -> Commune:
        commune = self._communes[index]
        if commune is None:
            code, name, dep, reg, postcodes, pop, lat, lon, kind = self._raw.rows[index]
            point = GeoPoint(lat=lat, lon=lon) if lat is not None and lon is not None else None
            commune = Commune(code, name, dep, reg, postcodes, pop, point, kind)
            self._communes[index] = commune
        return commune

    def __len__(self) -> int:
        """Number of distinct INSEE codes."""
        return len(self._raw.by_code)

    def __iter__(self) -> Iterator[Commune]:
        """Every commune by code (the current one when a code is shared)."""
        return (self._at(i) for i in self._raw.by_code.values())

    def commune(self, insee: str) -> Commune | None:
        """The commune with this INSEE code, or None."""
        index = self._raw.by_code.get(insee.strip())
        return None if index is None else self._at(index)

    def by_postcode(self, postcode: str) -> list[Commune]:
        """Communes served by this postcode, current and most populous first."""
        return [self._at(i) for i in self._raw.by_postcode.get(postcode.strip(), ())]

    def departments(self) -> dict[str, str]:
        """Department names by code, ordered by code ("07" → "Ardèche")."""
        return dict(self._raw.departments)

    def search(self, name: str, limit: int = 10, department: str | None = None) -> list[Commune]:
        """Communes whose name matches ``name``, accent- and case-insensitively, best first.

        Exact (folded) matches are returned alone when there are any, current and most populous
        first; otherwise a fuzzy match (rapidfuzz ``WRatio``, score ≥ 70) over all names.
        ``department`` restricts the results to one department code.
        """
        key = fold(name)
        if not key or limit <= 0:
            return []
        exact = [c for c in map(self._at, self._raw.by_name.get(key, ()))
                 if department in (None, c.department)]
        if exact:
            return exact[:limit]
        results: list[Commune] = []
        for match, _score, _index in process.extract(
            key, self._names, scorer=fuzz.WRatio, limit=limit * (8 if department else 2),
            score_cutoff=70,
        ):
            results.extend(c for c in map(self._at, self._raw.by_name[match])
                           if department in (None, c.department) and c not in results)
        return results[:limit]

    def nearby(self, point: GeoPoint, radius_km: float) -> list[tuple[Commune, float]]:
        """Current communes within ``radius_km`` of ``point`` with their distance, nearest first."""
        raw = self._raw
        if not raw.located:
            return []
        distances = haversine_km_radians(math.radians(point.lat), math.radians(point.lon),
                                         raw.lat_rad, raw.lon_rad)
        order = np.flatnonzero(distances <= radius_km)
        order = order[np.argsort(distances[order], kind="stable")]
        return [(self._at(raw.located[i]), float(distances[i])) for i in order]

    def resolve_place(self, place: Place) -> Place:
        """Fill a missing point (and commune code / postcode when absent) from the gazetteer.

        Tries, in order: the commune code, the postcode (most populous commune served), and a
        France Travail label such as ``"07 - ST PERAY"`` (exact name within the department; a
        label naming the department itself, ``"19 - Corrèze"``, places nothing). A
        place that already has a point, or that nothing resolves, is returned unchanged.
        """
        if place.point is not None:
            return place
        commune = self._resolve_commune(place)
        if commune is None or commune.point is None:
            return place
        return place.model_copy(update={
            "point": commune.point,
            "commune": place.commune or commune.code,
            "postcode": place.postcode or (commune.postcodes[0] if commune.postcodes else None),
        })

    def _resolve_commune(self, place: Place) -> Commune | None:
        if place.commune:
            found = self.commune(place.commune)
            if found is not None and found.point is not None:
                return found
        if place.postcode:
            for candidate in self.by_postcode(place.postcode):
                if candidate.point is not None:
                    return candidate
        if place.label:
            match = _PLACE_LABEL.match(place.label)
            department = self._raw.departments.get(match.group(1), "") if match else ""
            # "19 - Corrèze" names the department, not its commune called Corrèze
            if match and fold(match.group(2)) != fold(department):
                for candidate in map(self._at, self._raw.by_name.get(fold(match.group(2)), ())):
                    if candidate.department == match.group(1) and candidate.point is not None:
                        return candidate
        return None

