"""A seeded generator of GENERATED offers and seeker profiles for the benchmarks.

Nothing here is real data: offers and profiles are **GENERATED** from

- the real ROME 4.0 taxonomy (occupations, appellations and their gendered forms, core skills);
- the statistics of the 299 real France Travail offers (``../shared/data/offers``): the
  joint distribution of (description length, number of required skills, number of wished
  skills) is resampled from the real offers, title forms follow the real mix (about 90% end
  with "(H/F)"), working time and experience follow the real shares, occupations follow the
  real ROME frequencies (80%) or are drawn uniformly among all ROME occupations (20%), and
  descriptions are built from sentences of the real descriptions plus the occupation's skills;
- real communes (``indexer.geo.Gazetteer``), drawn with probability proportional to their
  population (a point a few hundred metres around the commune's centre).

The real offers are all CDI (the public sample was selected that way), so the contract mix is
an assumption, stated in :data:`CONTRACT_MIX`, close to France Travail's published mix.

Every offer id starts with ``GEN-O``, every profile id with ``GEN-P``, the files are named
``offers.GENERATED.jsonl`` / ``profiles.GENERATED.jsonl`` next to a ``GENERATED.json`` that
describes how they were made, and every log line says GENERATED::

    python -m bench.corpus --offers 10000 --profiles 10000 --seed 7 --out bench/results/corpus
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.geo import Gazetteer
from indexer.models import Offer
from indexer.readers import read_offers
from skills_taxonomy import Taxonomy, load_taxonomy

logger = logging.getLogger("bench.corpus")

OFFERS_FILE = "offers.GENERATED.jsonl"
PROFILES_FILE = "profiles.GENERATED.jsonl"
META_FILE = "GENERATED.json"
REAL_OFFERS = Path("offers") / "offres_ardeche_cdi_2025.csv"

#: Assumed contract mix (the real sample is CDI only): CDI, CDD, temporary work, seasonal,
#: freelance.
CONTRACT_MIX: dict[str, float] = {"CDI": 0.50, "CDD": 0.33, "MIS": 0.12, "SAI": 0.03,
                                  "LIB": 0.02}
CONTRACT_WISHES: tuple[tuple[str, ...], ...] = (("CDI",), ("CDI", "CDD"), ("CDD", "MIS"),
                                                ("CDI", "CDD", "MIS"))
CONTRACT_WISH_WEIGHTS = (0.35, 0.35, 0.10, 0.20)
RADII_KM = (10.0, 20.0, 30.0, 50.0)
RADIUS_WEIGHTS = (0.2, 0.35, 0.3, 0.15)
PRESENT_SHARE = 0.8
MAX_EXPERIENCE_YEARS = 60.0
"""Years of experience are drawn from a gamma law, cut at what a profile accepts (one draw in
a million profiles went beyond it)."""
EPOCH = datetime(2024, 12, 1, tzinfo=UTC)
SPAN_DAYS = 182


@dataclass(frozen=True)
class OfferStats:
    """What the generator keeps from the real offers."""

    shapes: npt.NDArray[np.int64]
    """One row per real offer: description length, required skills, wished skills."""
    rome_counts: dict[str, int]
    sentences: tuple[str, ...]
    hf_share: float
    part_time_share: float
    beginner_share: float

    @classmethod
    def from_offers(cls, offers: Sequence[Offer]) -> OfferStats:
        """Measure the real offers."""
        shapes = np.array([
            (len(o.description),
             sum(1 for s in o.skills if s.requirement == "required"),
             sum(1 for s in o.skills if s.requirement == "wished")) for o in offers],
            dtype=np.int64)
        sentences: dict[str, None] = {}
        for offer in offers:
            for sentence in re.split(r"(?<=[.!?])\s+|\n+", offer.description):
                sentence = sentence.strip(" -•*\t")
                if 40 <= len(sentence) <= 220 and not re.search(r"\d{2}[ .]?\d{2}[ .]?\d{2}|@",
                                                                 sentence):
                    sentences.setdefault(sentence, None)
        n = max(len(offers), 1)
        return cls(
            shapes=shapes,
            rome_counts=dict(Counter(o.rome_code for o in offers if o.rome_code)),
            sentences=tuple(sentences),
            hf_share=sum("h/f" in o.title.lower() for o in offers) / n,
            part_time_share=sum(o.working_time == "Temps partiel" for o in offers) / n,
            beginner_share=sum(o.experience is not None and o.experience.value == "D"
                               for o in offers) / n,
        )

    def summary(self) -> dict[str, Any]:
        """The measured statistics, for ``GENERATED.json``."""
        return {
            "real_offers": len(self.shapes),
            "description_chars_median": float(np.median(self.shapes[:, 0])),
            "required_skills_mean": float(self.shapes[:, 1].mean()),
            "wished_skills_mean": float(self.shapes[:, 2].mean()),
            "title_hf_share": round(self.hf_share, 3),
            "part_time_share": round(self.part_time_share, 3),
            "beginner_share": round(self.beginner_share, 3),
            "distinct_rome_codes": len(self.rome_counts),
            "description_sentences": len(self.sentences),
        }


class _Communes:
    """Current communes with a point and a population, drawn proportionally to population."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        rows = [c for c in gazetteer if c.is_current and c.point is not None and c.population]
        self.codes = [c.code for c in rows]
        self.names = [c.name for c in rows]
        self.postcodes = [c.postcodes[0] if c.postcodes else None for c in rows]
        self.lat = np.array([c.point.lat for c in rows if c.point is not None])
        self.lon = np.array([c.point.lon for c in rows if c.point is not None])
        population = np.array([c.population or 0 for c in rows], dtype=np.float64)
        self.cdf = np.cumsum(population / population.sum())

    def draw(self, rng: np.random.Generator) -> int:
        """One commune row (one random number: a corpus of n records is a prefix of a larger
        one with the same seed)."""
        return min(int(np.searchsorted(self.cdf, rng.random(), side="right")),
                   len(self.codes) - 1)

    def place(self, rng: np.random.Generator, row: int) -> dict[str, Any]:
        """A place dict (the ``Place`` model) jittered a few hundred metres."""
        return {
            "label": self.names[row],
            "commune": self.codes[row],
            "postcode": self.postcodes[row],
            "point": {"lat": round(float(self.lat[row] + rng.normal(0, 0.004)), 6),
                      "lon": round(float(self.lon[row] + rng.normal(0, 0.005)), 6)},
        }


class CorpusGenerator:
    """Seeded generation of offers and profiles (see the module docstring)."""

    def __init__(self, taxonomy: Taxonomy, gazetteer: Gazetteer, stats: OfferStats,
                 seed: int = 7) -> None:
        self.taxonomy = taxonomy
        self.stats = stats
        self.seed = seed
        self.communes = _Communes(gazetteer)
        self.all_codes = sorted(taxonomy.occupations)
        present = sorted(c for c in stats.rome_counts if c in taxonomy.occupations)
        weights = np.array([stats.rome_counts[c] for c in present], dtype=np.float64)
        self.present = present
        self.present_p = weights / weights.sum() if present else weights
        self._appellations = {c: taxonomy.appellations_of(c) for c in self.all_codes}
        self._items = {c: [oi.item for oi in taxonomy.items_of(c)] for c in self.all_codes}
        self._core = {c: [oi.item for oi in taxonomy.items_of(c, core_only=True)]
                      for c in self.all_codes}
        self._contracts = list(CONTRACT_MIX)
        self._contract_p = np.array(list(CONTRACT_MIX.values()))

    def _occupation(self, rng: np.random.Generator) -> str:
        if self.present and rng.random() < PRESENT_SHARE:
            return self.present[int(rng.choice(len(self.present), p=self.present_p))]
        return self.all_codes[int(rng.integers(len(self.all_codes)))]

    def _skills(self, rng: np.random.Generator, code: str, required: int, wished: int
                ) -> list[dict[str, str]]:
        pool = self._items[code] or self._core[code]
        if not pool:
            return []
        k = min(required + wished, len(pool))
        picks = rng.choice(len(pool), size=k, replace=False).tolist()
        skills = []
        for rank, index in enumerate(picks):
            item = pool[index]
            skill = {"code": item.code, "label": item.label}
            if rank >= required:
                skill["requirement"] = "wished"
            skills.append(skill)
        return skills

    def _description(self, rng: np.random.Generator, title: str, town: str,
                     skills: Sequence[dict[str, str]], length: int) -> str:
        parts = [f"Nous recherchons un(e) {title.split(' (')[0]} pour un poste basé à {town}."]
        if skills:
            parts.append("Vos missions :\n" + "\n".join(f"- {s['label']}" for s in skills[:6]))
        sentences = self.stats.sentences
        while sentences and sum(len(p) + 1 for p in parts) < length:
            parts.append(sentences[int(rng.integers(len(sentences)))])
        text = "\n".join(parts)
        return text if len(text) <= length + 80 else text[:length].rsplit(" ", 1)[0] + "."

    def offers(self, n: int) -> Iterator[dict[str, Any]]:
        """``n`` offers as ``Offer``-shaped dicts, ids ``GEN-O0000001``…"""
        rng = np.random.default_rng([self.seed, 1])
        for number in range(n):
            code = self._occupation(rng)
            occupation = self.taxonomy.occupations[code]
            appellations = self._appellations[code]
            appellation = (appellations[int(rng.integers(len(appellations)))]
                           if appellations else None)
            label = appellation.label if appellation else occupation.label
            title = f"{label} (H/F)" if rng.random() < self.stats.hf_share else label
            shape = self.stats.shapes[int(rng.integers(len(self.stats.shapes)))]
            length, required, wished = (int(v) for v in shape)
            skills = self._skills(rng, code, required, wished)
            place = self.communes.place(rng, self.communes.draw(rng))
            created = EPOCH + timedelta(seconds=int(rng.integers(SPAN_DAYS * 86_400)))
            yield {
                "id": f"GEN-O{number + 1:07d}",
                "title": title,
                "description": self._description(rng, label, place["label"], skills,
                                                 max(length, 120)),
                "rome_code": code,
                "rome_label": occupation.label,
                "appellation": label,
                "skills": skills,
                "place": place,
                "contract_type": self._contracts[int(rng.choice(len(self._contracts),
                                                                p=self._contract_p))],
                "experience": "D" if rng.random() < self.stats.beginner_share else "E",
                "working_time": ("Temps partiel" if rng.random() < self.stats.part_time_share
                                 else "Temps plein"),
                "created_at": created.isoformat().replace("+00:00", "Z"),
            }

    def profiles(self, n: int) -> Iterator[dict[str, Any]]:
        """``n`` seeker profiles as ``Profile``-shaped dicts (no personal data), ids
        ``GEN-P0000001``…"""
        rng = np.random.default_rng([self.seed, 2])
        for number in range(n):
            code = self._occupation(rng)
            appellations = self._appellations[code]
            female = bool(rng.random() < 0.5)
            if appellations:
                appellation = appellations[int(rng.integers(len(appellations)))]
                forms = appellation.forms or (appellation.label,)
                title = forms[1] if female and len(forms) > 1 else forms[0]
            else:
                title = self.taxonomy.occupations[code].label
            core = self._core[code]
            k = max(1, round(float(rng.uniform(0.4, 0.9)) * len(core))) if core else 0
            picks = sorted(rng.choice(len(core), size=k, replace=False).tolist()) if k else []
            skills = [{"code": core[i].code, "label": core[i].label} for i in picks]
            contracts = CONTRACT_WISHES[int(rng.choice(len(CONTRACT_WISHES),
                                                       p=CONTRACT_WISH_WEIGHTS))]
            years = min(round(float(rng.gamma(2.0, 3.0)) * 2) / 2, MAX_EXPERIENCE_YEARS)
            place = self.communes.place(rng, self.communes.draw(rng))
            experience = (f"{years:g} ans d'expérience" if years >= 1 else "Débutant(e)")
            yield {
                "id": f"GEN-P{number + 1:07d}",
                "titles": [title],
                "rome_codes": [code],
                "skills": skills,
                "summary": f"{title} — {experience}, recherche un poste en "
                           f"{' ou '.join(contracts)} autour de {place['label']}.",
                "place": place,
                "radius_km": RADII_KM[int(rng.choice(len(RADII_KM), p=RADIUS_WEIGHTS))],
                "contract_types": list(contracts),
                "experience_years": years,
            }


def read_lines(path: Path, limit: int) -> Iterator[str]:
    """The first ``limit`` lines of a corpus file (JSON Lines), read as they are used."""
    with path.open(encoding="utf-8") as lines:
        yield from itertools.islice(lines, limit)


def load_generator(data_dir: Path, cache_dir: Path | None = None, seed: int = 7
                   ) -> CorpusGenerator:
    """A generator over the real taxonomy, communes and offer statistics in ``data_dir``."""
    taxonomy = load_taxonomy(data_dir / "rome4", None, cache_dir)
    gazetteer = Gazetteer.load(data_dir / "geo", cache_dir=cache_dir)
    real = read_offers(data_dir / REAL_OFFERS).records
    return CorpusGenerator(taxonomy, gazetteer, OfferStats.from_offers(real), seed)


def write_corpus(generator: CorpusGenerator, out: Path, n_offers: int, n_profiles: int
                 ) -> tuple[Path, Path]:
    """Write ``offers.GENERATED.jsonl``, ``profiles.GENERATED.jsonl`` and ``GENERATED.json``
    into ``out``; return the two JSONL paths."""
    out.mkdir(parents=True, exist_ok=True)
    offers_path, profiles_path = out / OFFERS_FILE, out / PROFILES_FILE
    logger.info("GENERATED corpus: writing %d offers and %d profiles (seed %d) to %s",
                n_offers, n_profiles, generator.seed, out)
    for path, rows in ((offers_path, generator.offers(n_offers)),
                       (profiles_path, generator.profiles(n_profiles))):
        with path.open("w", encoding="utf-8") as stream:
            for row in rows:
                stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
                stream.write("\n")
    meta = {
        "GENERATED": True,
        "note": "GENERATED benchmark corpus: not real offers, not real people.",
        "seed": generator.seed,
        "offers": n_offers,
        "profiles": n_profiles,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "contract_mix_assumed": CONTRACT_MIX,
        "real_offer_statistics": generator.stats.summary(),
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                 encoding="utf-8")
    logger.info("GENERATED corpus written: %s, %s", offers_path, profiles_path)
    return offers_path, profiles_path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a GENERATED corpus."""
    parser = argparse.ArgumentParser(description="Write a GENERATED benchmark corpus.")
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/corpus"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    generator = load_generator(args.data_dir, args.cache_dir, args.seed)
    write_corpus(generator, args.out, args.offers, args.profiles)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
