"""Where policybot reads its data from.

`POLICYBOT_HOME` points at a folder holding `intents/`, `policy_text/` and `school/`; by default
it is the checkout the package runs from, as in a Procfile deployment.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The folder holding intents/, policy_text/ and the demo school."""
    env = os.environ.get("POLICYBOT_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parent.parent


def intents_dir() -> Path:
    return home() / "intents"


def policy_dir() -> Path:
    return home() / "policy_text"


def school_file() -> Path:
    """The school (or trust) configuration: `POLICYBOT_SCHOOL`, else the shipped demo school."""
    env = os.environ.get("POLICYBOT_SCHOOL")
    if env:
        return Path(env).expanduser().resolve()
    return home() / "school" / "demo-school.yaml"
