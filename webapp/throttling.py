"""Login throttling: counted atomically in the database, per (account, address) and per address.

The policy (also in README.md, "Accounts and security"):

- **Per account and client address**: 5 attempts (``LOGIN_MAX_FAILURES``); then each further
  attempt from that address on that account must wait a backoff that doubles, from 30 s up to
  15 minutes (``LOGIN_WINDOW``). Someone guessing a password from one address is slowed down;
  the real user, from their own address, is not affected.
- **Per client address, on any account**: 30 attempts (``LOGIN_ADDRESS_MAX_FAILURES``), then the
  same backoff: one address cannot spray passwords over many accounts.
- **No per-account lock**: a lock by account name would let anyone keep a real user out. A
  guess from many addresses is slowed by the argon2 cost and the 12-character minimum.
- A counter left quiet for ``LOGIN_WINDOW`` starts again from zero; a successful login clears
  its (account, address) counter and gives its attempt back to the address's budget.
- Behind a reverse proxy, set ``trusted_proxies`` (``EMPLOI_TRUSTED_PROXIES``): otherwise every
  user shares the proxy's address and its budget.

Each attempt is *reserved* before the password is checked, in one database transaction that
holds the write lock (SQLite) or the counter rows (``SELECT … FOR UPDATE``, PostgreSQL), so 40
concurrent attempts check exactly 5 passwords, in every worker process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from webapp.models import LoginAttempt, utc_now

BASE_BACKOFF = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an attempt may go ahead, and otherwise in how many seconds to retry."""

    allowed: bool
    retry_after_s: int = 0

    @property
    def wait_text(self) -> str:
        """The wait in French words: "45 secondes", "3 minutes"."""
        if self.retry_after_s < 90:
            return f"{max(self.retry_after_s, 1)} secondes"
        return f"{math.ceil(self.retry_after_s / 60)} minutes"


@dataclass(frozen=True, slots=True)
class Throttle:
    """Attempts allowed before the backoff, per (account, address) and per address."""

    max_failures: int = 5
    address_max_failures: int = 30
    window: timedelta = timedelta(minutes=15)

    def counters(self, account: str, address: str | None) -> list[tuple[str, int]]:
        """The (key, limit) counters an attempt on ``account`` from ``address`` touches:
        the address's first, then the pair's."""
        address = address or "unknown"
        account = account.strip().lower()
        return [(f"address:{address}", self.address_max_failures),
                (f"pair:{account}|{address}", self.max_failures)]

    def reserve(self, session: Session, account: str, address: str | None) -> Verdict:
        """Count one attempt on every counter, atomically, unless one of them is in its
        backoff (then nothing is counted)."""
        now = utc_now()
        try:
            for key, limit in self.counters(account, address):
                _ensure_row(session, key, now)
                row = session.scalar(select(LoginAttempt).where(LoginAttempt.key == key)
                                     .with_for_update()
                                     .execution_options(populate_existing=True))
                assert row is not None
                count = 0 if now - row.last_at >= self.window else row.count
                wait = self._wait(count, limit, row.last_at, now)
                if wait > 0:
                    session.rollback()
                    return Verdict(False, math.ceil(wait))
                session.execute(update(LoginAttempt).where(LoginAttempt.key == key)
                                .values(count=count + 1, last_at=now))
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return Verdict(True)

    def succeeded(self, session: Session, account: str, address: str | None) -> None:
        """A correct password: forget the pair's attempts, give the address its one back."""
        address_key, pair_key = (key for key, _limit in self.counters(account, address))
        session.execute(update(LoginAttempt).where(LoginAttempt.key == address_key,
                                                   LoginAttempt.count > 0)
                        .values(count=LoginAttempt.count - 1))
        row = session.get(LoginAttempt, pair_key)
        if row is not None:
            session.delete(row)
        session.commit()

    def backoff(self, excess: int) -> timedelta:
        """The wait after ``excess`` attempts beyond the limit: 30 s, doubling, at most the
        window."""
        wait: timedelta = BASE_BACKOFF * 2 ** min(excess, 30)
        return min(wait, self.window)

    def _wait(self, count: int, limit: int, last_at: datetime, now: datetime) -> float:
        if count < limit:
            return 0.0
        until = last_at + self.backoff(count - limit)
        return max((until - now).total_seconds(), 0.0)


def _ensure_row(session: Session, key: str, now: datetime) -> None:
    """Create the counter if missing; on SQLite this first write also takes the database's
    write lock, which the transaction then holds until it ends."""
    dialect = session.get_bind().dialect.name
    values = {"key": key, "count": 0, "last_at": now}
    if dialect == "sqlite":
        session.execute(sqlite_insert(LoginAttempt).values(values).on_conflict_do_nothing())
    elif dialect == "postgresql":
        session.execute(postgresql_insert(LoginAttempt).values(values).on_conflict_do_nothing())
    elif session.get(LoginAttempt, key) is None:
        session.add(LoginAttempt(**values))
        session.flush()
