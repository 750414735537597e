"""What a sync, an import or a joiner did to the directory, for the CLI to print or emit as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class StaffChanges:
    """Staff ids touched, by what happened to them."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    marked_left: list[str] = field(default_factory=list)
    # Unconfirmed joiners (status pending) whom this source now lists under their proper id:
    # the pending record is retired (marked left) and its platform ids move to the new one.
    replaced_pending: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ImportReport(StaffChanges):
    """A MIS import: the changes, plus what the file contained that could not be used."""

    unchanged: list[str] = field(default_factory=list)
    managed_by_school_file: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
