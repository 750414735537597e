"""When an unfinished form is nudged once, and when it expires: a pure function of the state and the time.

The worker's sweep calls it for every saved state; the engine's `nudge` and `expire` say the words.
Idle time counts from the user's last message, so someone who answers after the nudge gets a
fresh allowance (and, if they go quiet again, one more nudge).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.forms.model import Timing

TimeoutAction = Literal["nudge", "expire"]


def timeout_action(state: Mapping[str, Any], *, now: datetime, timing: Timing) -> TimeoutAction | None:
    """`expire` once idle for expire_after_minutes, `nudge` once idle for nudge_after_minutes (if not
    already nudged), else None. A state without a readable `updated_at` has expired: it cannot resume."""
    if now.tzinfo is None:
        raise ValueError(f"now must carry a time zone (got {now.isoformat()}) - pass e.g. datetime.now(UTC)")
    try:
        updated = datetime.fromisoformat(state["updated_at"])
    except (KeyError, TypeError, ValueError):
        return "expire"
    if updated.tzinfo is None:
        return "expire"
    idle = now - updated
    if idle >= timedelta(minutes=timing.expire_after_minutes):
        return "expire"
    if idle >= timedelta(minutes=timing.nudge_after_minutes) and not state.get("nudged"):
        return "nudge"
    return None

