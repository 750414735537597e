"""The console channel: `policybot chat --as STAFF_ID` in a terminal or with piped input.

Like errbot's test backend it is a real channel, so tests drive the bot through it. It only translates:
lines in, the core's replies printed out (choices as a numbered list, a number picks one). The numbers run
on across everything shown since the person last typed, so when several lists arrive at once (one
declaration per policy to acknowledge) each number means one thing. In local mode the console is everyone's
channel: messages to this person (alerts, acknowledgements) are shown when they start and between their
messages.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.core.replies import Choices, Quote, Reply, Summary, Text
from bot.errors import PolicybotError

if TYPE_CHECKING:  # the store and the core are imported when the console runs
    from bot.core.conversation import Who
    from bot.core.local import LocalBot

QUIT = frozenset({"quit", "exit", "bye", ":q"})
MESSAGE_HEADER = "--- message for you ---"


def render(reply: Reply, *, width: int = 88, first: int = 1) -> str:
    """One reply as terminal text; a list of choices is numbered from `first`."""
    if isinstance(reply, Text):
        return "\n".join(textwrap.fill(p, width) if p else "" for p in reply.text.split("\n"))
    if isinstance(reply, Quote):
        body = textwrap.fill(reply.text, width - 4, initial_indent="  > ", subsequent_indent="    ")
        return f"{body}\n    - {reply.citation}"
    if isinstance(reply, Choices):
        options = "\n".join(f"  {n}. {o.label}" for n, o in enumerate(reply.options, first))
        return f"{reply.prompt}\n{options}"
    if isinstance(reply, Summary):
        rows = "\n".join(f"  {label}: {value}" for label, value in reply.fields)
        return f"{reply.title}\n{rows}"
    raise TypeError(f"no console rendering for {type(reply).__name__}")


class Menu:
    """The choices shown since the person last typed, numbered on from one list to the next."""

    def __init__(self) -> None:
        self._lists: list[tuple[int, Choices]] = []  # (number of its first option, the list)
        self._next = 1

    def add(self, choices: Choices) -> int:
        """Take a list being shown; the number of its first option."""
        first = self._next
        self._lists.append((first, choices))
        self._next += len(choices.options)
        return first

    def pick(self, text: str) -> str:
        """A number typed means that choice (several, comma-separated, for a multi-choice list); any other
        text is passed on as typed."""
        parts = [p.strip() for p in text.split(",")]
        if not all(p.isdigit() for p in parts):
            return text
        found = [f for f in (self._find(int(p)) for p in parts) if f is not None]
        if len(found) != len(parts):
            return text
        if len(found) > 1 and (len({id(choices) for choices, _ in found}) > 1 or not found[0][0].multi):
            return text  # several numbers name the boxes of one multi-choice list, nothing else
        return ", ".join(choices.options[index].value for choices, index in found)

    def _find(self, number: int) -> tuple[Choices, int] | None:
        for first, choices in self._lists:
            if first <= number < first + len(choices.options):
                return choices, number - first
        return None


def run_console(
    *,
    as_staff: str | None,
    policies_dir: Path | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    database_url: str | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    from bot.answer.build import build_engine
    from bot.core.local import build_local_bot
    from bot.school import load_school
    from bot.staff import sync_from_school
    from bot.store import open_store

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    config = load_school()
    if as_staff is None:
        school, person = next(config.all_staff())
    else:
        found = config.staff_by_id(as_staff)
        if found is None:
            raise PolicybotError(f"no staff member with id {as_staff!r} - see `policybot staff list`")
        person, school = found, config.school_of(found.id)
        assert school is not None
    engine = build_engine(policies_dir=policies_dir, school_id=school.id)
    with open_store(database_url) as store:
        sync_from_school(store, config=config)
        bot = build_local_bot(store, config=config, engine=engine, school_id=school.id, clock=clock)
        who = bot.who(person.id, school_id=school.id)
        return _loop(bot, who, stdin=stdin, stdout=stdout, greeting=(
            f"policybot - {school.name}. You are {person.name}. Ask about the social media policy, "
            "or type 'report' to make a report; 'quit' to leave.\n"))


def _loop(bot: LocalBot, who: Who, *, stdin: TextIO, stdout: TextIO, greeting: str) -> int:
    menu = Menu()

    def say(replies: Sequence[Reply]) -> None:
        if replies:
            shown = [render(r, first=menu.add(r)) if isinstance(r, Choices) else render(r) for r in replies]
            stdout.write("\n" + "\n\n".join(shown) + "\n")

    def deliver_inbox() -> None:
        bot.pump()
        for message in bot.inbox(who.staff_id):
            stdout.write(f"\n{MESSAGE_HEADER}")
            say(message)

    stdout.write(greeting)
    deliver_inbox()
    say(bot.conversation.arrive(who))
    interactive = stdin.isatty()
    while True:
        if interactive:
            stdout.write("\nyou> ")
        stdout.flush()
        line = stdin.readline()
        if not line or line.strip().lower() in QUIT:
            return 0
        picked, menu = menu.pick(line), Menu()
        say(bot.handle(who, picked))
        deliver_inbox()
