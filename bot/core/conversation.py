"""One staff member's conversation with the bot, independent of the channel it arrives on.

The core answers questions with cited clauses and, when an answer offers a report form,
asks whether to start it. Channels pass text in and render the replies that come out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.answer.engine import Answer, AnswerEngine
from bot.core.replies import Choice, Choices, Quote, Reply, Text

YES = frozenset({"yes", "y", "yeah", "yep", "ok", "okay", "sure", "start", "report", "1"})
NO = frozenset({"no", "n", "nope", "not now", "later", "2", "no thanks"})


@dataclass(slots=True)
class ConversationState:
    """What the core remembers between two messages of one person (JSON-safe)."""

    offered_form: str | None = None
    history: list[str] = field(default_factory=list)


def answer_replies(answer: Answer) -> list[Reply]:
    """An answer as replies: the plain-English lead, then each cited clause as a quote."""
    lead = answer.text.split("\n\n", 1)[0] if answer.clauses else answer.text
    replies: list[Reply] = [Text(lead)]
    replies += [
        Quote(policy_id=c.clause.policy, policy_title=c.title, ref=c.clause.ref, text=c.clause.text)
        for c in answer.clauses
    ]
    return replies


class Conversation:
    """Turns one incoming message into replies, using and updating the person's state."""

    def __init__(self, *, engine: AnswerEngine, form_titles: dict[str, str]) -> None:
        self.engine = engine
        self.form_titles = form_titles

    def handle(self, state: ConversationState, text: str) -> list[Reply]:
        said = text.strip().lower()
        if state.offered_form and said in YES | NO:
            form, state.offered_form = state.offered_form, None
            if said in NO:
                return [Text("OK. If you change your mind, just ask again.")]
            return self.start_form(form)
        answer = self.engine.ask(text)
        state.offered_form = answer.form
        replies = answer_replies(answer)
        if answer.form:
            title = self.form_titles.get(answer.form, answer.form.replace("_", " "))
            replies.append(
                Choices(
                    prompt=f"Would you like to make a report now ({title})?",
                    options=(Choice("Yes, start the report", "yes"), Choice("Not now", "no")),
                )
            )
        return replies

    def start_form(self, form: str) -> list[Reply]:
        """Start the guided report; until report forms are installed, say who to tell directly."""
        contacts = self.engine.contacts
        who = contacts.dsl if form == "safeguarding_concern" else contacts.head
        return [
            Text(
                f"Guided reports are not set up on this installation yet, so please report this "
                f"directly to {who} today."
            )
        ]
