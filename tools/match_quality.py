"""How many of the stored seekers' top offers share the job with them (issue 11's demo figures).

Opens the index the settings name (``--index-dir``, else ``EMPLOI_INDEX_DIR``), draws
``--seekers`` stored profiles with a fixed seed, asks the engine for each one's ``--top`` offers
(the matches only, as the seeker page shows them) and prints:

- the share of results that share a skill with the seeker (held or close), and the share whose
  shared skills include one read from the offer's text;
- the share of results with a non-zero occupation proximity;
- how many seekers get no match at all.

    PYTHONPATH=$PWD .venv/bin/python tools/match_quality.py --index-dir var/index \\
        --cache-dir var/cache --seekers 100
"""

from __future__ import annotations

import argparse
import json
import logging
import random
from dataclasses import asdict, dataclass
from pathlib import Path

from indexer.settings import load_settings
from matcher.engine import Engine
from matcher.results import Match

log = logging.getLogger("match_quality")


@dataclass
class Tally:
    """Counts over the results of the drawn seekers."""

    seekers: int = 0
    seekers_without_match: int = 0
    results: int = 0
    share_a_skill: int = 0
    share_a_read_skill: int = 0
    related_occupation: int = 0

    def add(self, matches: list[Match]) -> None:
        """Count one seeker's results."""
        self.seekers += 1
        self.seekers_without_match += not matches
        for match in matches:
            shared = (*match.explanation.matched_skills, *match.explanation.related_skills)
            self.results += 1
            self.share_a_skill += bool(shared)
            self.share_a_read_skill += any(skill.inferred for skill in shared)
            self.related_occupation += any(c.name == "occupation" and (c.value or 0.0) > 0
                                           for c in match.explanation.components)

    def shares(self) -> dict[str, float]:
        """Each count of results as a share of all results."""
        total = max(self.results, 1)
        return {"share_a_skill": self.share_a_skill / total,
                "share_a_read_skill": self.share_a_read_skill / total,
                "related_occupation": self.related_occupation / total}


def measure(engine: Engine, seekers: int, top: int, seed: int) -> Tally:
    """The tally over ``seekers`` profiles drawn with ``seed``."""
    ids = sorted(engine.profiles.ids())
    drawn = random.Random(seed).sample(ids, min(seekers, len(ids)))
    tally = Tally()
    for number, profile_id in enumerate(drawn, start=1):
        profile = engine.profiles.get(profile_id)
        if profile is not None:
            tally.add(engine.offers_for_profile(profile, top_k=top))
        if number % 25 == 0:
            log.info("%d/%d seekers", number, len(drawn))
    return tally


def main() -> None:
    """Parse the options, measure, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--seekers", type=int, default=100)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    overrides = {key: value for key, value in (("index_dir", args.index_dir),
                                               ("cache_dir", args.cache_dir)) if value}
    engine = Engine.open(load_settings(**overrides))
    tally = measure(engine, args.seekers, args.top, args.seed)
    print(json.dumps({**asdict(tally), **tally.shares()}, indent=2))


if __name__ == "__main__":
    main()
