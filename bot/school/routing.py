"""The shape of one form's routing rule, shared by intents/routing.yaml and the school file's `routing:`.

It lives with the school configuration (not in `bot.reports`) because the school file is validated
by the light path, which imports nothing from the database layer; `bot.reports.routing` builds the
full rule set on top of it. A rule names roles, never people, so it stays right when staff change.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from bot.forms.conditions import Condition
from bot.school.roles import ROLE_NAMES
from bot.yamlfile import ConfigModel

#: Not a role anyone holds: the reporter's own line manager (`line_manager` in the staff list).
LINE_MANAGER = "line_manager"


def check_role(role: str) -> str:
    if role != LINE_MANAGER and role not in ROLE_NAMES:
        raise ValueError(f"unknown role {role!r} - use one of: {', '.join(sorted(ROLE_NAMES))}, {LINE_MANAGER}")
    return role


class Also(ConfigModel):
    """Extra recipients when a condition on the answers holds, with a note (by name) shown to them."""

    when: Condition
    to: list[str] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _roles(self) -> Also:
        for role in self.to:
            check_role(role)
        return self


class FormRoute(ConfigModel):
    """Who receives one form: `to` act on it, `copy` are told for information, `approval` decide in order."""

    to: list[str] = []
    copy_to: list[str] = Field(default=[], alias="copy")
    approval: list[str] = []
    also: list[Also] = []

    @model_validator(mode="after")
    def _roles(self) -> FormRoute:
        for role in (*self.to, *self.copy_to, *self.approval):
            check_role(role)
        if not self.to and not self.approval:
            raise ValueError("a form needs `to` or `approval` - someone must receive it")
        return self

    def roles(self) -> list[str]:
        """Every role this rule names: holders of these may read the form's reports."""
        return list(dict.fromkeys([*self.to, *self.copy_to, *self.approval, *(r for a in self.also for r in a.to)]))
