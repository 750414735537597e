"""Training in the conversation: "I've done it" (or the reminder's button, `done training ID`) records it;
"training" lists what is due. The phrases and words are in intents/campaigns/training.yaml."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.replies import Choice, Choices, Reply, Text
from bot.forms.answers import normalise
from bot.reminders.training import TrainingCampaign, due_lines, training_due
from bot.school import SchoolConfig
from bot.store import Store


class TrainingDesk:
    def __init__(self, store: Store, campaign: TrainingCampaign, *, config: SchoolConfig,
                 clock: Callable[[], datetime]) -> None:
        self._store = store
        self._campaign = campaign
        self._config = config
        self._clock = clock
        # longest first, so "done training" is tried before a shorter phrase it starts with
        self._done = sorted((normalise(p) for p in campaign.phrases.done), key=len, reverse=True)
        self._due = frozenset(normalise(p) for p in campaign.phrases.due)

    def handle(self, *, staff_id: str, school_id: str, text: str, channel: str) -> list[Reply] | None:
        """Replies when `text` is about training, else None."""
        said = normalise(text)
        for phrase in self._done:
            if said == phrase or said.startswith(phrase + " "):
                named = said[len(phrase):].strip() or None
                return self.done(staff_id=staff_id, school_id=school_id, training_id=named, channel=channel)
        if said in self._due:
            return self.due(staff_id=staff_id)
        return None

    def due(self, *, staff_id: str) -> list[Reply]:
        m = self._campaign.messages
        lines = due_lines(self._campaign, training_due(self._store, staff_id))
        if not lines:
            return [Text(m.nothing_due)]
        return [Text(m.due_header + "\n" + "\n".join(f"- {line}" for line in lines))]

    def due_choices(self, *, staff_id: str) -> tuple[str, tuple[Reply, ...]] | None:
        """For a home page: the heading and one line per training due, each with its "I've done it" button;
        None when nothing is due (the page then leaves the section out)."""
        dues = training_due(self._store, staff_id)
        if not dues:
            return None
        m = self._campaign.messages
        return m.due_header, tuple(Choices(prompt=line, options=(Choice(m.done_button, f"done training {d.training}"),))
                                   for line, d in zip(due_lines(self._campaign, dues), dues, strict=True))

    def done(self, *, staff_id: str, school_id: str, training_id: str | None, channel: str) -> list[Reply]:
        """Record the training as done today; with no id: the one due, else ask which."""
        m = self._campaign.messages
        if training_id is None:
            waiting = list(dict.fromkeys(d.training for d in training_due(self._store, staff_id)))
            candidates = waiting or [t.id for t in self._campaign.trainings]
            if len(candidates) > 1:
                return [Choices(prompt=m.done_which, options=tuple(
                    Choice(self._campaign.title(t), f"done training {t}") for t in candidates))]
            training_id = candidates[0]
        training = self._campaign.training(training_id)
        if training is None:
            known = ", ".join(t.id for t in self._campaign.trainings)
            return [Text(m.unknown_training.format(training=training_id, known=known))]
        now = self._clock()
        today = self._config.school(school_id).local(now).date()
        with self._store.transaction(write=True) as tx:
            closed = tx.training.complete(school_id=school_id, staff_id=staff_id, training=training.id, on=today,
                                          via=channel, now=now)
        wording = m.done_recorded if closed else m.done_nothing_due
        return [Text(wording.format(title=training.title, date=f"{today.day} {today:%B %Y}"))]
