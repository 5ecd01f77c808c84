"""How fast the counsellor's inbox opens with hundreds of messages, and how fast messages
are triaged when they arrive.

::

    python -m bench.inbox --index-dir var/index --sizes 100,300,1000 \\
        [--model var/instance/inbox-models/inbox-classifier-v000001.json]

Builds an app over an existing index (``emploi index`` or ``emploi demo`` made it) with a
throw-away SQLite database and one counsellor, stores N GENERATED messages (the demo
templates filled with indexed profiles' names and offers) through the arrival path — routing,
triage, storage, by chunks of 200 — then times, with Flask's test client, the inbox page
(first page and last page) and one message page, ``--requests`` times each. ``--model`` starts
from a saved classifier instead of training one on the dev set (half a minute).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from indexer.settings import load_settings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _timed(client: Any, url: str, requests: int) -> dict[str, float]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 0.95), 1)}


def run(index_dir: Path, sizes: list[int], requests: int,
        model: Path | None) -> list[dict[str, Any]]:
    """One row per size: arrival rate and page times."""
    from argon2 import PasswordHasher

    from matcher.inbox.message import Message
    from webapp import create_app
    from webapp.db import get_database
    from webapp.engine_ext import get_engine
    from webapp.inbox.arrival import Incoming, receive
    from webapp.inbox.demo import SEEKER_TEMPLATES
    from webapp.models import Role
    from webapp.passwords import use_hasher
    from webapp.repositories import users

    use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    settings = load_settings(index_dir=index_dir)
    rows = []
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix="bench-inbox-"))
        app = create_app({"SETTINGS": settings, "SECRET_KEY": "bench", "TESTING": True,
                          "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
                          "INBOX_MODEL_DIR": folder / "models",
                          "INBOX_BASE_MODEL": model})
        rng = random.Random(size)
        with app.app_context(), get_database(app).sessions() as session:
            engine = get_engine()
            counsellor = users.create_user(session, "bench@example.org", Role.COUNSELLOR,
                                           "mot-de-passe-de-bench", "Conseil bench")
            session.commit()
            profiles = [p for p in (engine.profiles.get(i) for i in engine.profiles.ids()[:200])
                        if p is not None and p.personal is not None]
            offers = engine.offers.ids()[:200]
            incoming = []
            for number in range(size):
                profile = rng.choice(profiles)
                template = rng.choice(SEEKER_TEMPLATES)
                name = (profile.personal.name if profile.personal else None) or "A B"
                first, _sep, last = name.partition(" ")
                fields = {"prenom": first, "nom": last, "commune": "Privas",
                          "metier": (profile.titles or ["vendeur"])[0].lower(),
                          "offre": rng.choice(offers), "titre": "", "employeur": ""}
                incoming.append(Incoming(Message(
                    template.subject.format(**fields), template.body.format(**fields),
                    sender=f"bench{number}@example.org"), counsellor=counsellor))
            receive(session, engine, incoming[:1])  # the classifier loads (or trains) once
            session.commit()
            started = time.perf_counter()
            for start in range(1, size, 200):
                receive(session, engine, incoming[start:start + 200])
                session.commit()
            arrival_s = time.perf_counter() - started
        client = app.test_client()
        client.get("/connexion")
        with client.session_transaction() as state:
            token = state["csrf_token"]
        client.post("/connexion", data={"email": "bench@example.org",
                                        "password": "mot-de-passe-de-bench",
                                        "csrf_token": token})
        last_page = max(1, -(-size // 50))
        rows.append({
            "messages": size,
            "arrival_messages_per_s": round((size - 1) / arrival_s, 1) if size > 1 else None,
            "inbox_first_page": _timed(client, "/conseiller/messages?statut=tous", requests),
            "inbox_last_page": _timed(client, f"/conseiller/messages?statut=tous&page="
                                              f"{last_page}", requests),
            "message_page": _timed(client, "/conseiller/messages/1", requests)})
        get_database(app).dispose()
    return rows


def main() -> None:
    """Parse the arguments, run, print Markdown (and JSON with --out)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=Path("var/index"))
    parser.add_argument("--sizes", default="100,300,1000")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = run(args.index_dir, [int(s) for s in args.sizes.split(",")], args.requests,
               args.model)
    print("| messages | arrival (messages/s) | inbox p50 / p95 (ms) | last page p50 / p95 | "
          "message page p50 / p95 |")
    print("|---:|---:|---:|---:|---:|")
    for row in rows:
        first, last, page = (row[k] for k in ("inbox_first_page", "inbox_last_page",
                                              "message_page"))
        print(f"| {row['messages']} | {row['arrival_messages_per_s']} | "
              f"{first['p50_ms']} / {first['p95_ms']} | {last['p50_ms']} / {last['p95_ms']} | "
              f"{page['p50_ms']} / {page['p95_ms']} |")
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
