"""The Teams channel over real HTTP: activities POSTed to /api/messages of the app `serve teams` runs, and
replies, alerts and reminders arriving at a fake Bot Connector on loopback (the activities' serviceUrl).

Each test runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL. Time is the test's: the clock is passed
in, and the connector's throttling is retried with a recorded, instant sleep.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from fake_bot_connector import FakeBotConnector, Posted, activity, message, personal_conversation
from turn_barrier import AT_ONCE, hold_turns

from bot.answer.build import build_engine
from bot.channels.teams.deliver import Backoff
from bot.channels.teams.server import TeamsApp, TeamsSettings, build_teams_app
from bot.core.delivery import DrainResult
from bot.core.service import TURN_THREADS
from bot.reminders import compliance_rows
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import Store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday in term, in school hours
R_AHMED = "82e26123-7776-4655-bc4e-4248b1515fff"  # teacher
D_PRICE = "7d836e77-af67-4461-a416-3207d0944996"  # DSL
A_WHITFIELD = "70eb9a0a-9626-4ae6-85e8-18fac0433cbd"  # Head
SECRET = "Zqx handle seen"
REFERENCE = re.compile(r"reference ([A-Z]{2,4}-2026-\d{4})")
ENGINE = build_engine()


@pytest.fixture
def connector() -> Iterator[FakeBotConnector]:
    fake = FakeBotConnector().start()
    yield fake
    fake.stop()


@dataclass
class Teams:
    """One `serve teams` app over a store, and a way to talk to it as Teams would."""

    store: Store
    config: SchoolConfig
    connector: FakeBotConnector
    now: list[datetime] = field(default_factory=lambda: [NOW])
    slept: list[float] = field(default_factory=list)
    settings: TeamsSettings = field(default_factory=TeamsSettings)
    drain_every: float | None = None  # None: the test drains the outbox itself
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    async def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def run(self, scenario: Callable[[Session], Awaitable[None]]) -> None:
        """Run `scenario` against a freshly built app (a new process's worth of objects: only the
        database carries over from an earlier run)."""

        async def main() -> None:
            teams = await build_teams_app(self.store, config=self.config, engine=ENGINE, settings=self.settings,
                                          clock=lambda: self.now[0], drain_every=self.drain_every,
                                          backoff=Backoff(sleep=self._sleep, jitter=lambda: 0.5))
            async with TestClient(TestServer(teams.app)) as client:
                await scenario(Session(self, teams, client))

        asyncio.run(main())

    def next_id(self) -> str:
        return f"17000000{next(self._ids):05d}"


@dataclass
class Session:
    teams: Teams
    app: TeamsApp
    client: TestClient

    async def post(self, body: dict[str, Any]) -> int:
        response = await self.client.post("/api/messages", json=body)
        return response.status

    async def say(self, aad: str, text: str | None = None, *, value: str | None = None,
                  name: str = "Someone") -> list[Posted]:
        """What `aad` sees in answer to typing `text` (or pressing a button that sends `value`)."""
        before = len(self.teams.connector.to(personal_conversation(aad)))
        status = await self.post(message(text, value={"value": value} if value is not None else None,
                                         service_url=self.teams.connector.url, aad_object_id=aad, name=name,
                                         activity_id=self.teams.next_id()))
        assert status in (200, 201)
        return self.teams.connector.to(personal_conversation(aad))[before:]

    async def drain(self) -> DrainResult:
        return await self.app.drain()


@pytest.fixture
def teams(store: Store, demo_school: SchoolConfig, connector: FakeBotConnector) -> Teams:
    sync_from_school(store, config=demo_school)
    return Teams(store=store, config=demo_school, connector=connector)


def reference_in(posted: list[Posted]) -> str:
    found = REFERENCE.search(" ".join(p.shown() for p in posted).replace("\n", " "))
    assert found, "no report reference in the replies"
    return found.group(1)


#: A pupil_contact report through its cards: (typed text, or None and the button value to press).
PUPIL_CONTACT = [
    ("report", None), (None, "pupil_contact"), (None, "friend_request"), ("Instagram", None),
    (None, "current_pupil"), ("AB Y7", None), ("yesterday 9pm", None), (None, "request_only"),
    (None, "yes"), (None, "yes"), (SECRET, None),
]


async def fill_pupil_contact(session: Session, aad: str, steps: list[tuple[str | None, str | None]]) -> list[Posted]:
    seen: list[Posted] = []
    for text, value in steps:
        seen += await session.say(aad, text, value=value)
    return seen


def test_a_question_is_answered_with_a_card_citing_the_clause(teams: Teams) -> None:
    async def scenario(session: Session) -> None:
        [reply] = await session.say(R_AHMED, "can I follow a parent on facebook?")
        best = ENGINE.ask("can I follow a parent on facebook?").clauses[0]
        assert reply.card is not None and reply.card["type"] == "AdaptiveCard"
        assert best.clause.text in reply.shown() and f"{best.title}, {best.clause.ref}" in reply.shown()
        assert reply.reply_to_id is not None  # the reply-to form: in the same turn as the question

    teams.run(scenario)


def test_messages_from_many_staff_are_worked_on_at_once(teams: Teams, monkeypatch: pytest.MonkeyPatch) -> None:
    """A turn waiting on the database must not hold up the next person's (tests/turn_barrier.py)."""
    assert TURN_THREADS >= AT_ONCE
    users = [person.teams_id for _, person in teams.config.all_staff() if person.teams_id][:AT_ONCE]
    assert len(users) == AT_ONCE

    async def scenario(session: Session) -> None:
        together = hold_turns(session.app.service, monkeypatch)
        replies = await asyncio.gather(*(session.say(aad, "can I post sports day photos?") for aad in users))
        assert all(replies) and not together.broken

    teams.run(scenario)


def test_a_report_through_cards_reaches_the_dsl_who_acknowledges(teams: Teams) -> None:
    async def scenario(session: Session) -> None:
        await session.say(D_PRICE, "hello", name="Daniel Price")  # the DSL has used the bot: reachable
        seen = await fill_pupil_contact(session, R_AHMED, PUPIL_CONTACT)
        summary = seen[-1]
        assert "please check before sending" in summary.shown() and SECRET in summary.shown()
        assert "Send" in summary.buttons() or "send" in summary.buttons().values()
        sent = await session.say(R_AHMED, value="send")
        reference = reference_in(sent)
        before = len(teams.connector.to(personal_conversation(D_PRICE)))
        await session.drain()
        [alert] = teams.connector.to(personal_conversation(D_PRICE))[before:]
        assert reference in alert.shown() and "Rashid Ahmed" in alert.shown()
        assert SECRET not in alert.shown()  # an alert never carries the details
        assert alert.buttons() == {"Open it": f"show {reference}", "Acknowledge": f"ack {reference}"}
        opened = await session.say(D_PRICE, value=f"show {reference}")
        assert SECRET in " ".join(p.shown() for p in opened)
        acked = await session.say(D_PRICE, value=f"ack {reference}")
        assert reference in acked[0].shown()
        await session.drain()
        told = teams.connector.to(personal_conversation(R_AHMED))[-1]
        assert reference in told.shown() and "Daniel Price" in told.shown()
        with teams.store.transaction() as tx:
            report = tx.reports.get(reference)
        assert report is not None and report.status == "acknowledged" and report.acknowledged_by == "d.price"

    teams.run(scenario)


def test_an_acknowledgement_reminder_arrives_proactively_and_is_answered(teams: Teams) -> None:
    async def scenario(session: Session) -> None:
        await session.say(R_AHMED, "hello")
        queued = session.app.service.reminders.run_due(now=NOW)
        assert any(q.staff == "r.ahmed" for q in queued)
        before = len(teams.connector.to(personal_conversation(R_AHMED)))
        await session.drain()
        reminders = teams.connector.to(personal_conversation(R_AHMED))[before:]
        assert reminders  # sent proactively by the drain, outside any turn of hers
        agree = next(v for p in reminders for v in p.buttons().values() if v.startswith("acknowledge "))
        [recorded] = await session.say(R_AHMED, value=agree)
        policy = agree.split()[1]
        with teams.store.transaction() as tx:
            assert ("r.ahmed", policy, "teams") in {(a.staff_id, a.policy_id, a.channel)
                                                   for a in tx.acknowledgements.list()}
        assert recorded.shown()

    teams.run(scenario)


def test_someone_never_seen_in_teams_is_kept_for_later_not_dropped(teams: Teams) -> None:
    async def scenario(session: Session) -> None:
        session.app.service.reminders.run_due(now=NOW)
        result = await session.drain()
        assert result.delivered == 0 and result.failed > 0  # nobody has a conversation yet
        with teams.store.transaction() as tx:
            waiting = [m for m in tx.outbox.list(recipient_id="m.hughes") if m.delivered_at is None]
        assert waiting  # still queued, retried with backoff until she can be reached
        teams.now[0] = NOW + timedelta(hours=2)
        await session.say(A_WHITFIELD, "hello")  # the Head opens the app...
        await session.drain()
        assert len(teams.connector.to(personal_conversation(A_WHITFIELD))) >= 2  # ...and her reminder follows
        rows = compliance_rows(session.app.service.reminders, now=teams.now[0])
        school = next(r for r in rows if r["scope"] == "school")
        assert "m.hughes" in school["unreachable"] and "a.whitfield" not in school["unreachable"]
        assert set(school["unreachable"]) <= set(school["outstanding"])

    teams.run(scenario)


def test_members_added_starts_induction_for_a_new_member_of_staff(teams: Teams) -> None:
    h_li = "18bee074-5ec0-4260-bf98-80a6e73c49ea"
    with teams.store.transaction(write=True) as tx:
        person = tx.staff.get("h.li")
        assert person is not None
        tx.staff.update(replace(person, start_date=None, teams_id=None))
    teams.connector.members[f"29:{h_li}"] = {"id": f"29:{h_li}", "name": "Hannah Li", "aadObjectId": h_li,
                                              "email": "h.li@riverside-academy.example"}

    async def scenario(session: Session) -> None:
        installed = activity("conversationUpdate", service_url=teams.connector.url, aad_object_id=h_li,
                             name="Hannah Li", activity_id=teams.next_id(),
                             membersAdded=[{"id": "28:policybot-app", "name": "policybot"}])
        assert await session.post(installed) in (200, 201)
        [welcome] = teams.connector.to(personal_conversation(h_li))
        assert "Hello Hannah" in welcome.shown() and "how this bot uses your information" in welcome.shown()
        person = session.app.service.staff("h.li")
        assert person is not None and person.start_date == NOW.date() and person.teams_id == h_li
        queued = session.app.service.reminders.run_due(now=NOW)
        assert ("h.li", "induction") in {(q.staff, q.campaign) for q in queued}
        await session.drain()
        induction = teams.connector.to(personal_conversation(h_li))[1:]
        assert any("Welcome to Riverside Academy, Hannah Li" in p.shown() for p in induction)

    teams.run(scenario)


def test_a_stranger_added_to_a_team_is_not_treated_as_staff(teams: Teams) -> None:
    async def scenario(session: Session) -> None:
        joined = activity("conversationUpdate", service_url=teams.connector.url, aad_object_id=R_AHMED,
                          conversation_type="channel", activity_id=teams.next_id(),
                          membersAdded=[{"id": "29:stranger", "name": "Pat Visitor", "aadObjectId": "0000-stranger"}])
        assert await session.post(joined) in (200, 201)
        assert teams.connector.to(personal_conversation(R_AHMED)) == []  # nothing said in a team channel
        [reply] = await session.say("0000-stranger", "can I follow a parent?")
        assert "could not find you in the staff list" in reply.shown()

    teams.run(scenario)


def test_a_restart_mid_report_resumes_at_the_same_step(teams: Teams) -> None:
    async def first(session: Session) -> None:
        await fill_pupil_contact(session, R_AHMED, PUPIL_CONTACT[:5])  # up to "who"

    async def after_restart(session: Session) -> None:
        seen = await fill_pupil_contact(session, R_AHMED, PUPIL_CONTACT[5:])
        assert "please check before sending" in seen[-1].shown()
        assert "Instagram" in seen[-1].shown()  # answered before the restart, kept in the store
        reference = reference_in(await session.say(R_AHMED, value="send"))
        assert reference.startswith("PC-2026-")

    teams.run(first)
    teams.run(after_restart)


def test_a_throttled_reply_is_retried_with_backoff(teams: Teams) -> None:
    async def scenario(session: Session) -> None:
        teams.connector.throttle(429, 502)
        [reply] = await session.say(R_AHMED, "can I follow a parent?")
        assert reply.shown()
        assert teams.slept == [0.25 + 0.125, 0.5 + 0.25]  # 0.5 s then 1 s, each with (fixed) jitter
        teams.connector.throttle(429)
        await session.say(D_PRICE, "hello")
        seen = await fill_pupil_contact(session, R_AHMED, PUPIL_CONTACT)
        assert seen
        reference = reference_in(await session.say(R_AHMED, value="send"))
        teams.connector.throttle(429, 429)  # the DSL's alert is throttled twice, then goes
        before = len(teams.connector.to(personal_conversation(D_PRICE)))
        attempts = len(teams.connector.requests)
        result = await session.drain()
        assert result.delivered == 1  # the DSL's alert (the Head, copied, has not opened the app yet)
        assert len(teams.connector.requests) == attempts + 3
        assert any(reference in p.shown() for p in teams.connector.to(personal_conversation(D_PRICE))[before:])

    teams.run(scenario)


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"{not json", "application/json", 400),
    (b"", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b'"a string"', "application/json; charset=utf-8", 400),
    (b'{"text": "an object with no type"}', "application/json", 400),
    (b'{"type": "message", "timestamp": "never"}', "application/json", 400),
    (b'{"type": "message", "text": "hello"}', "text/plain", 415),
], ids=["not-json", "empty", "array", "string", "no-type", "bad-timestamp", "not-json-content"])
def test_a_body_that_is_no_activity_is_refused_saying_why_and_the_bot_carries_on(
        teams: Teams, body: bytes, content_type: str, status: int) -> None:
    async def scenario(session: Session) -> None:
        response = await session.client.post("/api/messages", data=body, headers={"Content-Type": content_type})
        assert response.status == status and "activity" in await response.text()
        assert teams.connector.requests == []  # nothing answered
        assert await session.say(R_AHMED, "can I follow a parent on facebook?")  # and the next message is

    teams.run(scenario)


def test_with_an_app_id_a_request_without_a_bot_framework_token_is_refused(teams: Teams) -> None:
    teams.settings = TeamsSettings(app_id="00000000-0000-4000-8000-00000000b07a", app_password="secret")

    async def scenario(session: Session) -> None:
        status = await session.post(message("can I follow a parent?", service_url=teams.connector.url,
                                            aad_object_id=R_AHMED, activity_id=teams.next_id()))
        assert status == 401
        assert teams.connector.requests == []  # nothing answered, nothing stored
        assert session.app.service.reference("teams", "r.ahmed") is None

    teams.run(scenario)


def test_someone_known_by_email_only_is_linked_by_their_teams_account(teams: Teams) -> None:
    new_account = "5b0c7e1d-1111-4222-8333-944455556666"  # e.g. a re-created Microsoft 365 account
    teams.connector.members[f"29:{new_account}"] = {"id": f"29:{new_account}", "name": "Rashid Ahmed",
                                                    "aadObjectId": new_account,
                                                    "email": "r.ahmed@riverside-academy.example"}

    async def scenario(session: Session) -> None:
        [reply] = await session.say(new_account, "can I follow a parent?")
        assert "could not find you" not in reply.shown()
        person = session.app.service.staff("r.ahmed")
        assert person is not None and person.teams_id == new_account
        assert session.app.service.reference("teams", "r.ahmed") is not None

    teams.run(scenario)


def test_a_failure_is_apologised_for_and_logged_without_what_was_said(teams: Teams,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(session: Session) -> None:
        def broken(who: object, text: str) -> list:
            raise RuntimeError(f"failed on {text}")

        session.app.service.handle = broken  # type: ignore[method-assign]
        [reply] = await session.say(R_AHMED, f"about {SECRET}")
        assert "something went wrong" in reply.shown()

    teams.run(scenario)
    assert "RuntimeError" in caplog.text and SECRET not in caplog.text


def test_installed_by_an_administrator_the_bot_can_write_first(teams: Teams) -> None:
    async def scenario(session: Session) -> None:
        installed = activity("installationUpdate", service_url=teams.connector.url, aad_object_id=D_PRICE,
                             name="Daniel Price", activity_id=teams.next_id(), action="add")
        assert await session.post(installed) in (200, 201)
        assert teams.connector.posted == []  # nothing said on install...
        assert session.app.service.reference("teams", "d.price") is not None  # ...but she can be reached
        session.app.service.reminders.run_due(now=NOW)
        await session.drain()
        assert teams.connector.to(personal_conversation(D_PRICE))

    teams.run(scenario)


def test_the_web_process_delivers_the_outbox_by_itself(teams: Teams) -> None:
    teams.drain_every = 0.01

    async def scenario(session: Session) -> None:
        await session.say(R_AHMED, "hello")
        before = len(teams.connector.to(personal_conversation(R_AHMED)))
        session.app.service.reminders.run_due(now=NOW)
        for _ in range(500):  # the background drain runs every 10 ms on the server's loop
            if len(teams.connector.to(personal_conversation(R_AHMED))) > before:
                break
            await asyncio.sleep(0.01)
        assert len(teams.connector.to(personal_conversation(R_AHMED))) > before

    teams.run(scenario)


def test_every_hostile_message_gets_a_reply_card_and_nothing_typed_becomes_card_markup(teams: Teams) -> None:
    """The shared corpus (tests/data/hostile_inputs.yaml) as personal-chat messages: each is answered in the
    same turn, and card JSON or Markdown a user typed never turns into card elements of its own."""
    from hostile_corpus import CORPUS

    async def scenario(session: Session) -> None:
        for hostile in CORPUS:
            replies = await session.say(R_AHMED, hostile.text)
            assert replies, hostile.name
            for reply in replies:
                card = json.dumps(reply.card or {})
                assert "Action.OpenUrl" not in card and '"type": "Image"' not in card, hostile.name
            await session.say(R_AHMED, "cancel")  # leave no offer or form behind for the next entry

    teams.run(scenario)
