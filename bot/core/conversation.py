"""One staff member's conversation with the bot, independent of the channel it arrives on.

The core answers questions with cited clauses; when an answer offers a report form it asks whether to
start it, and "report" offers a picker of every form. A form in progress is driven by the dialogue
engine, its state saved in the store after every turn (one owner for every channel: adapters keep
none), so a restart resumes at the same step. A finished form is stored and routed by the report desk,
and only after that commit is the user told it was sent. Recipients act on reports here too:
`show REF`, `ack REF`, `close REF OUTCOME`, `approve REF`, `decline REF REASON`.

Every message is cleaned before anything reads it (`sanitise`): control characters, lone surrogates and
invisible or reordering characters go; right-to-left text, emoji and markup are kept as typed (they are
evidence, and rendering them safely is each channel's job). A message longer than any answer a form
accepts is refused with a clear reply instead of being processed; an empty one gets the short help.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.answer.engine import Answer, AnswerEngine
from bot.core.replies import Choice, Choices, Quote, Reply, Text
from bot.forms import DialogueEngine, DialogueKey, DialogueStateStore, FormSet, Submitted, Turn
from bot.forms.answers import clean_text, normalise
from bot.reminders.chat import AcknowledgementDesk
from bot.reports.desk import ReportAccessRefused, ReportDesk, ReportNotFound
from bot.store.records import StaffRecord

YES = frozenset({"yes", "y", "yeah", "yep", "ok", "okay", "sure", "start", "report", "1"})
NO = frozenset({"no", "n", "nope", "not now", "later", "2", "no thanks"})
REPORT_WORDS = frozenset({"report", "make a report", "i want to report", "i want to make a report",
                          "i need to report", "i need to make a report", "new report", "start a report"})
#: Removed from every message: zero-width spaces, the word joiner, the byte-order mark, soft hyphens, and the
#: bidirectional embeddings, overrides and isolates that make text display in another order than it is stored
#: in (a spoofing trick). Right-to-left letters and marks, and the zero-width (non-)joiners that Arabic, Persian
#: and Indic scripts and emoji sequences need, are kept.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e"
                                    "\u2066\u2067\u2068\u2069"))
PICKER = "picker"  # the pending offer after "report": any form of the picker
PICKER_CANCEL = "none"  # the picker's "None of these"
_COMMAND = re.compile(r"^\s*(show|open|read|ack|acknowledge|close|approve|decline)\s+([a-z]{2,4}-\d{4}-\d{4,})"
                      r"\b[\s:,-]*(.*)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Who:
    """The person a message is from: their staff id and school, and the key of their conversation."""

    staff_id: str
    school_id: str
    key: DialogueKey


def answer_replies(answer: Answer) -> list[Reply]:
    """An answer as replies: the plain-English lead, then each cited clause as a quote."""
    lead = answer.text.split("\n\n", 1)[0] if answer.clauses else answer.text
    replies: list[Reply] = [Text(lead)]
    replies += [
        Quote(policy_id=c.clause.policy, policy_title=c.title, ref=c.clause.ref, text=c.clause.text)
        for c in answer.clauses
    ]
    return replies


def find_staff_in(staff: Sequence[StaffRecord]) -> Callable[[str], list[tuple[str, str]]]:
    """A staff finder over one school's current staff: an id, a full name, or the start of each word
    of a name ("d price", "dan")."""
    people = [p for p in staff if p.current]

    def find(text: str) -> list[tuple[str, str]]:
        words = normalise(text).replace(".", " ").split()
        if not words:
            return []
        exact = [p for p in people if normalise(text) in (p.id, normalise(p.name))]
        if exact:
            return [(p.id, p.name) for p in exact]
        found = []
        for p in people:
            name_words = normalise(p.name).replace(".", " ").split()
            if all(any(n.startswith(w) for n in name_words) for w in words):
                found.append((p.id, p.name))
        return found

    return find


def sanitise(text: str) -> str:
    """A message as the core reads it: NFC-normalised, without the invisible characters above, control
    characters (newlines and tabs kept) or lone surrogates (from broken encodings; no database or terminal
    can store or show them), and without surrounding blank space."""
    text = "".join(ch for ch in text.translate(_INVISIBLE) if unicodedata.category(ch) != "Cs")
    return clean_text(unicodedata.normalize("NFC", text))


class Conversation:
    """Turns one incoming message into replies. Holds no per-user state: the form in progress is in the
    dialogue store and a pending offer in the store's `offers`, so any process can take the next message."""

    def __init__(self, *, engine: AnswerEngine, forms: FormSet, desk: ReportDesk, dialogues: DialogueStateStore,
                 timezone: str = "Europe/London", clock: Callable[[], datetime] | None = None,
                 acknowledgements: AcknowledgementDesk | None = None) -> None:
        self.engine = engine
        self.acknowledgements = acknowledgements
        self.forms = forms
        self.desk = desk
        self.dialogues = dialogues
        self._timezone = timezone
        self._clock = clock or (lambda: datetime.now(UTC))

    def handle(self, who: Who, text: str) -> list[Reply]:
        """One message from `who`; the privacy notice comes first the very first time."""
        text = sanitise(text)
        limit = self.max_length
        if len(text) > limit:
            return self._privacy(who) + [Text(self.desk.messages.message_too_long.format(length=len(text),
                                                                                         max_length=limit))]
        return self._privacy(who) + self._handle(who, text)

    @property
    def max_length(self) -> int:
        """The longest message read: no answer to any form may be longer (_messages.yaml `limits`), and no
        question needs to be."""
        return self.forms.messages.limits.text_max_length

    def arrive(self, who: Who) -> list[Reply]:
        """What to say when the person opens the bot: the privacy notice the first time, then where they
        were in an unfinished form."""
        replies = self._privacy(who)
        state = self.dialogues.get(who.key)
        if state is not None:
            replies += self._turn(who, self._dialogue(who).resume(state))
        elif self.acknowledgements is not None:
            replies += self.acknowledgements.waiting_note(staff_id=who.staff_id, school_id=who.school_id)
        return replies

    def with_notice(self, who: Who, replies: list[Reply]) -> list[Reply]:
        """`replies` for something the core answers outside a conversation turn (the home page), after the
        privacy notice if this is the person's first message."""
        return self._privacy(who) + replies

    def _privacy(self, who: Who) -> list[Reply]:
        with self.desk.store.transaction() as tx:  # every message asks: a read, so no write lock after the first
            if tx.notices.seen(who.staff_id):
                return []
        with self.desk.store.transaction(write=True) as tx:
            first = tx.notices.first_time(who.staff_id, now=self._clock())
        return self.forms.privacy_notice() if first else []

    # -- routing a message ----------------------------------------------------------------------

    def _handle(self, who: Who, text: str) -> list[Reply]:
        command = _COMMAND.match(text)
        if command:
            return self._report_command(who, command.group(1).lower(), command.group(2).upper(),
                                        command.group(3).strip())
        state = self.dialogues.get(who.key)
        if state is not None:
            return self._turn(who, self._dialogue(who).handle(state, text))
        if self.acknowledgements is not None:
            handled = self.acknowledgements.handle(staff_id=who.staff_id, school_id=who.school_id, text=text,
                                                   channel=who.key.platform)
            if handled is not None:
                return handled
        said = normalise(text)
        if not said:  # nothing to read: the short help, and a pending offer stays pending
            return answer_replies(self.engine.ask(""))
        offer = self._take_offer(who)
        if offer == PICKER:
            chosen = self._picked_form(said)
            if chosen is not None:
                return self._start(who, chosen)
            if said in {PICKER_CANCEL, *NO, "cancel"}:
                return [Text(self.desk.messages.picker_cancelled)]
        elif offer is not None and said in YES | NO:
            if said in NO:
                return [Text(self.desk.messages.declined_offer)]
            return self._start(who, offer)
        if said in REPORT_WORDS:
            self._offer(who, PICKER)
            return [self._picker()]
        answer = self.engine.ask(text)
        replies = answer_replies(answer)
        if answer.form and answer.form in self.forms.forms:
            self._offer(who, answer.form)
            m = self.desk.messages
            replies.append(Choices(prompt=m.offer.format(title=self.forms.get(answer.form).title),
                                   options=(Choice(m.offer_yes, "yes"), Choice(m.offer_no, "no"))))
        return replies

    def _take_offer(self, who: Who) -> str | None:
        """The offer waiting for this person's answer, taken (another process may have taken it first). Read
        before taking: most messages answer no offer, and then take no write lock."""
        with self.desk.store.transaction() as tx:
            if not tx.offers.waiting(who.key):
                return None
        with self.desk.store.transaction(write=True) as tx:
            return tx.offers.take(who.key)

    def _offer(self, who: Who, offer: str) -> None:
        with self.desk.store.transaction(write=True) as tx:
            tx.offers.put(who.key, offer, now=self._clock())

    def _picker(self) -> Choices:
        options = [Choice(form.title, form.id) for form in self.forms.forms.values()]
        options.append(Choice(self.desk.messages.picker_cancel, PICKER_CANCEL))
        return Choices(self.desk.messages.picker, tuple(options))

    def _picked_form(self, said: str) -> str | None:
        for form in self.forms.forms.values():
            if said in (form.id, normalise(form.title)):
                return form.id
        return None

    # -- forms ----------------------------------------------------------------------------------

    def _dialogue(self, who: Who) -> DialogueEngine:
        return DialogueEngine(self.forms, answer_question=self._answer_question,
                              find_staff=self._staff_finder(who.school_id), timezone=self._timezone, clock=self._clock)

    def _staff_finder(self, school_id: str) -> Callable[[str], list[tuple[str, str]]]:
        """Finds staff of the school by name, reading them only when an answer names someone: most turns of
        a form need nobody, and a school has hundreds of staff."""

        def find(text: str) -> list[tuple[str, str]]:
            with self.desk.store.transaction() as tx:
                staff = tx.staff.current(school_id=school_id)
            return find_staff_in(staff)(text)

        return find

    def _start(self, who: Who, form_id: str) -> list[Reply]:
        state, replies = self._dialogue(who).start(form_id)
        self.dialogues.put(who.key, state)
        return replies

    def _turn(self, who: Who, turn: Turn) -> list[Reply]:
        if isinstance(turn.outcome, Submitted):
            # The form's saved state is deleted in the transaction that stores the report: a process killed
            # before the commit leaves the form to send again, one killed after it leaves the report alone.
            report = self.desk.submit(turn.outcome, reporter_id=who.staff_id, school_id=who.school_id,
                                      finish=lambda tx: tx.dialogues.delete(who.key))
            self.dialogues.delete(who.key)  # gone from the database already; any other store forgets it now
            # Told only now: the report and its alerts are committed.
            return [*turn.replies, *self.forms.submitted_replies(form_id=report.form_id, reference=report.reference)]
        if turn.state is not None:
            self.dialogues.put(who.key, turn.state)
        else:
            self.dialogues.delete(who.key)
        return list(turn.replies)

    def _answer_question(self, text: str) -> list[Reply] | None:
        answer = self.engine.ask(text)
        return answer_replies(answer) if answer.answered else None

    # -- acting on reports ----------------------------------------------------------------------

    def _report_command(self, who: Who, verb: str, reference: str, rest: str) -> list[Reply]:
        desk = self.desk
        if verb in ("show", "open", "read"):
            try:
                return desk.show(desk.read(reference, reader_id=who.staff_id))
            except (ReportAccessRefused, ReportNotFound) as exc:
                return [Text(str(exc))]
        if verb in ("ack", "acknowledge"):
            return desk.acknowledge(reference, staff_id=who.staff_id)
        if verb == "close":
            return desk.close(reference, staff_id=who.staff_id, outcome=rest)
        return desk.decide(reference, staff_id=who.staff_id, approve=verb == "approve", reason=rest)
