"""The console channel: `policybot chat --as STAFF_ID` in a terminal or with piped input.

Like errbot's test backend it is a real channel, so tests drive the bot through it. It only
translates: lines in, the core's replies printed out (choices as a numbered list, a number picks
one). In local mode the console is everyone's channel: messages to this person (alerts,
acknowledgements) are shown when they start and between their messages.
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


def render(reply: Reply, *, width: int = 88) -> str:
    """One reply as terminal text."""
    if isinstance(reply, Text):
        return "\n".join(textwrap.fill(p, width) if p else "" for p in reply.text.split("\n"))
    if isinstance(reply, Quote):
        body = textwrap.fill(reply.text, width - 4, initial_indent="  > ", subsequent_indent="    ")
        return f"{body}\n    - {reply.citation}"
    if isinstance(reply, Choices):
        options = "\n".join(f"  {n}. {o.label}" for n, o in enumerate(reply.options, 1))
        return f"{reply.prompt}\n{options}"
    if isinstance(reply, Summary):
        rows = "\n".join(f"  {label}: {value}" for label, value in reply.fields)
        return f"{reply.title}\n{rows}"
    raise TypeError(f"no console rendering for {type(reply).__name__}")


def _pick(text: str, last: Choices | None) -> str:
    """A number typed after a list of choices means that choice (several, comma-separated, for a multi)."""
    if last is None:
        return text
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() and 1 <= int(p) <= len(last.options) for p in parts):
        return text
    if len(parts) > 1 and not last.multi:
        return text
    return ", ".join(last.options[int(p) - 1].value for p in parts)


def _last_choices(replies: Sequence[Reply]) -> Choices | None:
    return next((r for r in reversed(replies) if isinstance(r, Choices)), None)


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
    def say(replies: Sequence[Reply]) -> None:
        if replies:
            stdout.write("\n" + "\n\n".join(render(r) for r in replies) + "\n")

    def deliver_inbox() -> Choices | None:
        bot.pump()
        last = None
        for message in bot.inbox(who.staff_id):
            stdout.write(f"\n{MESSAGE_HEADER}")
            say(message)
            last = _last_choices(message) or last
        return last

    stdout.write(greeting)
    last_choices = deliver_inbox()
    arrival = bot.conversation.arrive(who)
    say(arrival)
    last_choices = _last_choices(arrival) or last_choices
    interactive = stdin.isatty()
    while True:
        if interactive:
            stdout.write("\nyou> ")
        stdout.flush()
        line = stdin.readline()
        if not line or line.strip().lower() in QUIT:
            return 0
        replies = bot.handle(who, _pick(line, last_choices))
        say(replies)
        last_choices = _last_choices(replies)
        last_choices = deliver_inbox() or last_choices
