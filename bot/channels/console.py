"""The console channel: `policybot chat --as STAFF_ID` in a terminal or with piped input.

Like errbot's test backend it is a real channel, so tests drive the bot through it. It only
translates: lines in, the core's replies printed out (choices as a numbered list, a number
picks one).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import TextIO

from bot.core.conversation import Conversation, ConversationState
from bot.core.replies import Choices, Quote, Reply, Summary, Text
from bot.errors import PolicybotError

QUIT = frozenset({"quit", "exit", "bye", ":q"})


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
    """A number typed after a list of choices means that choice."""
    if last and text.strip().isdigit():
        n = int(text.strip())
        if 1 <= n <= len(last.options):
            return last.options[n - 1].value
    return text


def run_console(
    *,
    as_staff: str | None,
    policies_dir: Path | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    from bot.answer.build import build_engine
    from bot.school import load_school

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    config = load_school()
    if as_staff is None:
        school, person = next(config.all_staff())
    else:
        person = config.staff_by_id(as_staff)
        if person is None:
            raise PolicybotError(f"no staff member with id {as_staff!r} - see `policybot staff list`")
        school = config.school_of(person.id)
    engine = build_engine(policies_dir=policies_dir, school_id=school.id)
    conversation = Conversation(engine=engine, form_titles={})
    state = ConversationState()
    interactive = stdin.isatty()
    stdout.write(
        f"policybot - {school.name}. You are {person.name}. Ask about the social media policy; "
        "'quit' to leave.\n"
    )
    last_choices: Choices | None = None
    while True:
        if interactive:
            stdout.write("\nyou> ")
            stdout.flush()
        line = stdin.readline()
        if not line or line.strip().lower() in QUIT:
            return 0
        replies = conversation.handle(state, _pick(line, last_choices))
        last_choices = next((r for r in reversed(replies) if isinstance(r, Choices)), None)
        stdout.write("\n" + "\n\n".join(render(r) for r in replies) + "\n")
        stdout.flush()
