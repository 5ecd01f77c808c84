"""Login throttling: after too many failures, by account or by client address, wait.

Failures are rows of ``login_failures`` (shared by every worker process); a success clears
the account's failures. Default: 5 failures in 15 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from webapp.models import LoginFailure, utc_now


@dataclass(frozen=True, slots=True)
class Throttle:
    """How many failures are allowed per window."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)

    @staticmethod
    def keys(email: str, address: str | None) -> tuple[str, ...]:
        """The counters a login attempt touches: its account and its client address."""
        keys = [f"account:{email.strip().lower()}"]
        if address:
            keys.append(f"ip:{address}")
        return tuple(keys)

    def blocked(self, session: Session, keys: tuple[str, ...]) -> bool:
        """True when any counter reached the limit within the window."""
        since = utc_now() - self.window
        for key in keys:
            count = session.scalar(select(func.count()).select_from(LoginFailure)
                                   .where(LoginFailure.key == key, LoginFailure.at >= since))
            if (count or 0) >= self.max_failures:
                return True
        return False

    def record_failure(self, session: Session, keys: tuple[str, ...]) -> None:
        """Count one failure on every counter (and forget those older than the window)."""
        now = utc_now()
        session.execute(delete(LoginFailure).where(LoginFailure.at < now - self.window))
        session.add_all(LoginFailure(key=key, at=now) for key in keys)
        session.commit()

    def clear(self, session: Session, email: str) -> None:
        """Forget an account's failures after a successful login."""
        session.execute(delete(LoginFailure).where(
            LoginFailure.key == f"account:{email.strip().lower()}"))
        session.commit()

    @property
    def minutes(self) -> int:
        """The window in minutes, for messages."""
        return int(self.window.total_seconds() // 60)
