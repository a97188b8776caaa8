"""Rotating door codes: the code an organiser's phone shows at the door (volunteer check-in, a
consultation meeting's attendance), scanned by the people who come. One mechanism, used by every domain.

- A code is 8 digits: 6 of an HMAC of (label, subject id, time window) and 2 naming the window
  (window mod 100). Verifying costs exactly one HMAC whatever the code, and a code up to 100 windows
  old is recognised as *expired*, not wrong.
- The code changes every `rotate_seconds`; the previous one is still accepted for `grace_seconds`
  after it rotates, so a scan at the turn of the minute is not refused.
- Each purpose signs with its own key, derived from the deployment secret
  (`app.core.security.derive_key(secret, purpose)`): never the JWT signing key, and a code of one
  purpose is worthless for another (and for another subject: the subject id is in the MAC).
- `verify_counted` counts every attempt against the limiter first (per person and per subject), and
  only a code matching nothing stays counted: guessing is bounded, a stale screenshot costs nothing.

    door = RotatingCode("linli-meeting-checkin", rotate_seconds=60, grace_seconds=30)
    shown = door.issue(key, meeting.id, clock.now())           # code, expires_at, valid_until
    await verify_counted(limiter, keys, message, lambda: door.verify(key, meeting.id, code, now))

`CodeInvalid` / `CodeExpired` are plain exceptions; each domain turns them into its own errors.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.errors import Msg
from app.core.ratelimit import Limiter, attempt

WINDOW_DIGITS = 100


class CodeInvalid(Exception):
    """The code matches nothing (a typo or a guess): it stays counted against the limiter."""


class CodeExpired(Exception):
    """A real code of this subject, but of a window that has passed."""


@dataclass(frozen=True)
class Issued:
    code: str
    expires_at: datetime
    valid_until: datetime
    rotates_every_seconds: int


@dataclass(frozen=True)
class RotatingCode:
    label: str  # in the MAC message: "linli-checkin" (activities), "linli-meeting-checkin" (meetings)
    rotate_seconds: int = 60
    grace_seconds: int = 30

    def window(self, at: datetime) -> int:
        return int(at.timestamp()) // self.rotate_seconds

    def code(self, key: bytes, subject: uuid.UUID, window: int) -> str:
        mac = hmac.new(key, f"{self.label}:{subject}:{window}".encode(), hashlib.sha256).digest()
        return f"{int.from_bytes(mac[:8], 'big') % 10**6:06d}{window % WINDOW_DIGITS:02d}"

    def issue(self, key: bytes, subject: uuid.UUID, now: datetime) -> Issued:
        window = self.window(now)
        expires = datetime.fromtimestamp((window + 1) * self.rotate_seconds, tz=now.tzinfo)
        return Issued(
            code=self.code(key, subject, window),
            expires_at=expires,
            valid_until=expires + timedelta(seconds=self.grace_seconds),
            rotates_every_seconds=self.rotate_seconds,
        )

    def verify(self, key: bytes, subject: uuid.UUID, code: str, now: datetime) -> None:
        """Accept the current code, or the previous one within the grace period; say why otherwise."""
        code = code.strip()
        if not (code.isdigit() and len(code) == 8):
            raise CodeInvalid()
        window = self.window(now)
        # The latest window at or before now whose number ends in the code's two digits.
        claimed = window - (window - int(code[6:])) % WINDOW_DIGITS
        if not hmac.compare_digest(code, self.code(key, subject, claimed)):
            raise CodeInvalid()
        into_window = int(now.timestamp()) - window * self.rotate_seconds
        if claimed == window or (claimed == window - 1 and into_window < self.grace_seconds):
            return
        raise CodeExpired()


async def verify_counted(
    limiter: Limiter, keys: list[tuple[str, int, int]], message: Msg, verify: Callable[[], None]
) -> None:
    """Count the attempt on every (key, limit, window) first (429 when over); run `verify`; give the
    counts back unless the code matched nothing (`CodeInvalid`)."""
    await attempt(limiter, keys, message)
    guessed = False
    try:
        verify()
    except CodeInvalid:
        guessed = True
        raise
    finally:
        if not guessed:
            for key, _limit, _window in keys:
                await limiter.undo(key)
