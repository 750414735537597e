"""The one root error class of policybot.

Every error a user or an administrator can cause derives from `PolicybotError` and carries a
message that says what to do about it, so the CLI can print it without a traceback.
"""

from __future__ import annotations


class PolicybotError(Exception):
    """An error with a message written for the person who has to fix it."""


class ConfigError(PolicybotError):
    """A configuration or data file is wrong: the message names the file, the line and the fix."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        super().__init__(f"{where}{message}")


class IngestError(PolicybotError):
    """A document could not be turned into a structured policy."""
