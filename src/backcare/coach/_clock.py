"""Time sources for the exercise coach.

The coach engine never sleeps or reads the system time directly; it asks a
:class:`Clock` for the current monotonic time. Production code passes a
:class:`MonotonicClock`; tests pass a :class:`FakeClock` and move time by hand,
so no test ever waits in real time.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

from backcare.i18n import gettext

__all__ = ["Clock", "FakeClock", "MonotonicClock", "ScaledClock"]


class Clock(Protocol):
    """Anything that can report monotonic time in seconds."""

    def now(self) -> float:
        """Return the current time in seconds.

        Only differences between readings are meaningful; the value must never decrease.
        """
        ...


class MonotonicClock:
    """Real clock backed by :func:`time.monotonic` (immune to wall-clock changes)."""

    def now(self) -> float:
        """Return :func:`time.monotonic` seconds."""
        return time.monotonic()


class ScaledClock:
    """A clock that runs ``factor`` times faster than another one.

    Front ends use it for demonstrations and end-to-end tests: a session with the real
    doses (whole seconds) runs in a fraction of the time, and the engine cannot tell.

    Args:
        base: The clock to speed up, usually :class:`MonotonicClock`.
        factor: How many coach seconds pass per second of ``base``; finite and > 0.

    Raises:
        ValueError: If ``factor`` is not a finite number above 0.
    """

    def __init__(self, base: Clock, *, factor: float) -> None:
        factor = _checked_time(factor, "factor")
        if factor <= 0:
            raise ValueError(
                gettext("factor must be above 0, got {factor!r}").format(factor=factor)
            )
        self._base = base
        self._factor = factor
        self._origin = base.now()

    @property
    def factor(self) -> float:
        """Coach seconds per second of the base clock."""
        return self._factor

    def now(self) -> float:
        """Return the base clock's time since creation, times ``factor``."""
        # Measured from creation, so a large factor does not magnify the base clock's epoch.
        return (self._base.now() - self._origin) * self._factor


class FakeClock:
    """Manually driven clock for tests and simulations.

    Args:
        start: Initial reading in seconds.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = _checked_time(start, "start")

    def now(self) -> float:
        """Return the current fake time in seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward.

        Args:
            seconds: How far to move; must be finite and not negative.

        Raises:
            ValueError: If ``seconds`` is negative or not finite.
        """
        seconds = _checked_time(seconds, "seconds")
        if seconds < 0:
            raise ValueError(
                gettext("a monotonic clock cannot go backwards (seconds={seconds!r})").format(
                    seconds=seconds
                )
            )
        self._now += seconds

    def set(self, now: float) -> None:
        """Jump to an absolute reading.

        Args:
            now: New reading in seconds; must not be earlier than the current one.

        Raises:
            ValueError: If ``now`` is earlier than the current reading or not finite.
        """
        now = _checked_time(now, "now")
        if now < self._now:
            raise ValueError(
                gettext("a monotonic clock cannot go backwards (from {now!r} to {now_2!r})").format(
                    now=self._now, now_2=now
                )
            )
        self._now = now


def _checked_time(value: float, name: str) -> float:
    # NaN/inf would silently poison every later comparison in the engine.
    if not math.isfinite(value):
        raise ValueError(
            gettext("{name} must be a finite number of seconds, got {value!r}").format(
                name=name, value=value
            )
        )
    return float(value)
