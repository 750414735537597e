"""The corpus of hostile and malformed messages (tests/data/hostile_inputs.yaml), shared by every channel's tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data" / "hostile_inputs.yaml"


@dataclass(frozen=True)
class Hostile:
    name: str
    text: str


def load_corpus() -> list[Hostile]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return [Hostile(e["name"], e["text"] * e.get("repeat", 1)) for e in data["inputs"]]


CORPUS = load_corpus()
