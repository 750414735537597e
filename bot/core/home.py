"""A person's home page, the same on every platform: what waits for them, their reports, and ways to start one.

Slack shows it as the App Home tab; Teams may show it as a card. It is built from the core's own services
(acknowledgements, the report desk, the forms), as platform-neutral sections of replies: an adapter renders
them and sends every picked choice's value back through `ChatService.handle`, exactly as for a message.

Each section is built by one function in `SECTIONS`; a new section (training due, say) is one more function
appended there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.channel_messages import HomeMessages, channel_messages
from bot.core.replies import Choice, Choices, Reply, Summary, Text
from bot.store.report_repo import ReportRecord

if TYPE_CHECKING:
    from bot.core.conversation import Who
    from bot.core.service import ChatService

#: Reports still being dealt with; closed ones leave the home page (they stay in `policybot reports list`).
OPEN_STATUSES = frozenset({"submitted", "delivered", "acknowledged"})
#: The most reports one section lists (a home page is a summary, and Slack caps a view at 100 blocks).
MAX_REPORTS = 10
#: The value a "start a report" choice sends back: `ChatService.handle` starts that form.
START_FORM = "start-form "


@dataclass(frozen=True, slots=True)
class HomeSection:
    """One part of the home page: a heading and what to show under it."""

    key: str
    title: str
    replies: tuple[Reply, ...]


Section = Callable[["ChatService", "Who", HomeMessages], "HomeSection | None"]


def acknowledgements(service: ChatService, who: Who, m: HomeMessages) -> HomeSection | None:
    """Policies waiting for this person's annual acknowledgement, each with its buttons."""
    desk = service.conversation.acknowledgements
    if desk is None:
        return None
    waiting = desk.pending(staff_id=who.staff_id, school_id=who.school_id)
    choices = tuple(r for r in waiting if isinstance(r, Choices))  # the header is the section's title here
    return HomeSection("acknowledgements", m.acknowledgements, choices or (Text(m.acknowledgements_none),))


def training_due(service: ChatService, who: Who, m: HomeMessages) -> HomeSection | None:
    """Training this person still has to do, each with its "I've done it" button; no section when none is due
    (the heading and lines are the training campaign's words, intents/campaigns/training.yaml)."""
    desk = service.conversation.acknowledgements
    training = desk.training if desk is not None else None
    due = training.due_choices(staff_id=who.staff_id) if training is not None else None
    if due is None:
        return None
    title, replies = due
    return HomeSection("training", title, replies)


def my_reports(service: ChatService, who: Who, m: HomeMessages) -> HomeSection:
    """The reports this person made that are still open, with their status."""
    desk = service.conversation.desk
    mine = [r for r in desk.readable_by(who.staff_id) if r.reporter_id == who.staff_id and r.status in OPEN_STATUSES]
    lines = [m.my_report.format(reference=r.reference, title=service.forms.get(r.form_id).title, status=r.status)
             for r in _newest(mine)]
    return HomeSection("my_reports", m.my_reports, (Text("\n".join(lines) if lines else m.my_reports_none),))


def routed_to_me(service: ChatService, who: Who, m: HomeMessages) -> HomeSection | None:
    """For the Head, the DSL and anyone else reports are sent to: the open ones, each with its buttons.
    Only a line each (form, reporter, status): the details are opened, and that view is audited."""
    desk = service.conversation.desk
    routed = [r for r in desk.readable_by(who.staff_id)
              if r.reporter_id != who.staff_id and who.staff_id in r.routed_to and r.status in OPEN_STATUSES]
    if not routed:
        return None
    r_m = desk.messages
    replies: list[Reply] = []
    for report in _newest(routed):
        reporter = service.staff(report.reporter_id)
        line = m.routed_report.format(reference=report.reference, title=service.forms.get(report.form_id).title,
                                      reporter=reporter.name if reporter else report.reporter_id,
                                      urgency=r_m.urgent if report.urgent else r_m.not_urgent, status=report.status)
        options = [Choice(r_m.open_it, f"show {report.reference}")]
        if report.status in ("submitted", "delivered"):
            options.append(Choice(r_m.acknowledge_it, f"ack {report.reference}"))
        replies.append(Choices(line, tuple(options)))
    return HomeSection("routed", m.routed, tuple(replies))


def start_a_report(service: ChatService, who: Who, m: HomeMessages) -> HomeSection:
    """A button for each report form."""
    options = tuple(Choice(form.title, START_FORM + form.id) for form in service.forms.forms.values())
    return HomeSection("start", m.start, (Choices(m.start_prompt, options),))


SECTIONS: list[Section] = [acknowledgements, training_due, routed_to_me, my_reports, start_a_report]


def home_for(service: ChatService, who: Who, *, messages: HomeMessages | None = None) -> list[HomeSection]:
    """The home page of `who`, section by section (a section with nothing to say is left out)."""
    m = messages or channel_messages().home
    sections = (build(service, who, m) for build in SECTIONS)
    return [s for s in sections if s is not None]


def home_title(service: ChatService, who: Who, *, messages: HomeMessages | None = None) -> list[Reply]:
    """The heading of the page: whose it is and what the bot is for."""
    m = messages or channel_messages().home
    person = service.staff(who.staff_id)
    return [Text(m.title.format(name=person.name if person else who.staff_id)), Text(m.intro)]


def home_page(service: ChatService, who: Who, *, messages: HomeMessages | None = None) -> list[Reply]:
    """The whole page as one list of replies, for a channel showing it as a message (the person typed one of
    the home words): its title, then each section's heading and replies."""
    replies = home_title(service, who, messages=messages)
    for section in home_for(service, who, messages=messages):
        replies += [Summary(section.title), *section.replies]
    return replies


def _newest(reports: list[ReportRecord]) -> list[ReportRecord]:
    return sorted(reports, key=lambda r: r.created_at, reverse=True)[:MAX_REPORTS]
