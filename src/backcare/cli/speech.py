"""Spoken cues in the terminal coach: the coach's cue script read aloud by ``espeak-ng``.

``espeak-ng`` is optional (Debian and Ubuntu: ``apt install espeak-ng``; macOS:
``brew install espeak-ng``). When it is on ``PATH`` the coach speaks the same words as
the web coach ("Knee-to-chest stretch, left side." ... "Hold." "3" "2" "1" "Relax.");
when it is not, or with ``backcare coach --no-speak``, the coach is silent apart from its
bell. Speech never holds up the timer: each cue runs as its own child process, and a cue
still being spoken when the next one is due is cut short, because late words would be
wrong words.
"""

from __future__ import annotations

import shutil
import subprocess

__all__ = ["ESPEAK", "Speaker"]

#: The speech program looked for on ``PATH``.
ESPEAK = "espeak-ng"
# How long the last words may take to finish once the session is over.
_LAST_WORDS_SECONDS = 3.0


class Speaker:
    """Says cues through ``espeak-ng`` without waiting for it.

    Args:
        program: Path of ``espeak-ng``; ``None`` for a speaker that says nothing.
    """

    def __init__(self, program: str | None) -> None:
        self._program = program
        self._speaking: subprocess.Popen[bytes] | None = None

    @classmethod
    def detect(cls, *, enabled: bool = True) -> Speaker:
        """A speaker using ``espeak-ng`` from ``PATH``, or a silent one if it is missing or off."""
        return cls(shutil.which(ESPEAK) if enabled else None)

    @property
    def available(self) -> bool:
        """Whether anything will be said."""
        return self._program is not None

    def say(self, text: str) -> None:
        """Start saying ``text`` and return at once; words still being said are cut short."""
        if self._program is None or not text:
            return
        self._stop()
        try:
            self._speaking = subprocess.Popen(
                [self._program, "-v", "en", text],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._program = None  # removed or broken mid-session: carry on silently

    def close(self) -> None:
        """Let the last words finish (briefly), then make sure nothing is left running."""
        if self._speaking is not None:
            try:
                self._speaking.wait(timeout=_LAST_WORDS_SECONDS)
            except subprocess.TimeoutExpired:
                self._stop()
        self._speaking = None

    def _stop(self) -> None:
        speaking, self._speaking = self._speaking, None
        if speaking is not None and speaking.poll() is None:
            speaking.terminate()
            speaking.wait()
