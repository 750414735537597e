"""The Slack channel driven as Slack drives it: signed HTTP requests to the real bolt app, and a local fake of
the Web API recording what the bot sends (tests/slack_fake.py).

Covers a DM question, the slash command, a whole report made with buttons and routed to the DSL's DM, the
DSL opening it (a modal) and acknowledging it, the App Home, the acknowledgement button, team_join, a
retried event, a 429 retried after Retry-After, a bad signature refused, and a stranger turned away.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_bolt import App
from slack_fake import (
    SIGNING_SECRET,
    TEAM,
    Call,
    FakeSlack,
    command_body,
    dm_event,
    event_body,
    fake_slack,
    form_body,
    post_to_bot,
    signed_headers,
)
from sqlalchemy import MetaData, select
from turn_barrier import AT_ONCE, hold_turns

from bot.answer.build import build_engine
from bot.channels.slack.deliver import SlackDeliverer, Throttle
from bot.channels.slack.server import EVENTS_PATH, build_app, http_server, web_client
from bot.core.service import TURN_THREADS, ChatService, build_chat_service
from bot.forms import DialogueKey, load_forms
from bot.school import SchoolConfig
from bot.staff import sync_from_school
from bot.store import Store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday in term, in school hours
TEACHER, DSL, HEAD = "U07CK597ZNS", "U07RAFHUG4A", "U07HW88GQ27"  # r.ahmed, d.price, a.whitfield
SECRET = "Zqx private detail"
FORMS = load_forms()


def dm_of(user: str) -> str:
    """The fake opens DM channel D<id without its U> with each user."""
    return "D" + user[1:]


def text_of(call: Call) -> str:
    return json.dumps(call.params.get("blocks") or call.params.get("view") or []) + str(call.params.get("text", ""))


def buttons(call: Call) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks") or (call.params.get("view") or {}).get("blocks") or []
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"]


@dataclass
class SlackBot:
    fake: FakeSlack
    url: str
    service: ChatService
    counter: itertools.count  # type: ignore[type-arg]
    now: list[datetime]  # the service's clock, moved by tests
    pauses: list[float]  # the outbox throttle's waits (recorded, not slept)

    def advance(self, delta: timedelta) -> None:
        self.now[0] += delta

    def next(self) -> int:
        return next(self.counter)

    def send(self, body: str, *, content_type: str = "application/json", **headers: str) -> tuple[int, str]:
        return post_to_bot(self.url, body, headers={**signed_headers(body, content_type=content_type), **headers})

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **headers: str) -> tuple[int, str]:
        return self.send(event_body(event, event_id=event_id or f"Ev{self.next():06d}"), **headers)

    def dm(self, user: str, text: str) -> Call:
        """A DM to the bot; returns the bot's last post in that DM once it is there."""
        before = len(self.fake.posts_to(dm_of(user)))
        status, _ = self.event(dm_event(user, text, n=self.next()))
        assert status == 200
        return self.wait_posts(dm_of(user), before)

    def wait_posts(self, channel: str, before: int) -> Call:
        """The bot's replies to one turn: wait until posting stops, then the last one."""
        self.fake.wait_for("chat.postMessage", lambda c: len(self.fake.posts_to(channel)) > before)
        count = -1
        while count != len(self.fake.posts_to(channel)):  # one turn may post several messages
            count = len(self.fake.posts_to(channel))
            time.sleep(0.1)
        return self.fake.posts_to(channel)[-1]

    def click(self, user: str, post: Call, value: str, *, channel: str | None = None) -> tuple[int, str]:
        """Press the button with `value` on a message the bot posted (blocks get ids, as Slack gives them)."""
        blocks = [{**b, "block_id": b.get("block_id") or f"blk{n}"} for n, b in enumerate(post.params["blocks"])]
        block, button = next((b, e) for b in blocks if b["type"] == "actions" for e in b["elements"]
                             if e.get("value") == value)
        channel = channel or str(post.params["channel"])
        return self._action(user, channel, blocks, {**button, "block_id": block["block_id"]}, state={},
                            thread_ts=post.params.get("thread_ts"))

    def tick_and_send(self, user: str, post: Call, values: list[str]) -> tuple[int, str]:
        """Tick checkboxes of a multi-choice and press its send button."""
        blocks = [{**b, "block_id": b.get("block_id") or f"blk{n}"} for n, b in enumerate(post.params["blocks"])]
        boxes = next(b for b in blocks if b["type"] == "actions" and b["elements"][0]["type"] == "checkboxes")
        picked = [o for o in boxes["elements"][0]["options"] if o["value"] in values]
        send = next((b, e) for b in blocks if b["type"] == "actions" for e in b["elements"]
                    if e["action_id"] == "multi-send")
        state = {boxes["block_id"]: {"multi-pick": {"type": "checkboxes", "selected_options": picked}}}
        return self._action(user, str(post.params["channel"]), blocks, {**send[1], "block_id": send[0]["block_id"]},
                            state=state)

    def _action(self, user: str, channel: str, blocks: list[dict[str, Any]], element: dict[str, Any], *,
                state: dict[str, Any], thread_ts: str | None = None) -> tuple[int, str]:
        n = self.next()
        ts = f"1700000200.{n:06d}"
        payload = {
            "type": "block_actions", "token": "legacy", "api_app_id": "A0POLICY", "trigger_id": f"trigger.{n}",
            "user": {"id": user, "team_id": TEAM}, "team": {"id": TEAM, "domain": "riverside"},
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "directmessage"},
            "message": {"type": "message", "ts": ts, "text": "", "blocks": blocks,
                        **({"thread_ts": thread_ts} if thread_ts else {})},
            "state": {"values": state},
            "actions": [{**element, "action_ts": f"1700000300.{n:06d}"}],
        }
        return self.send(form_body(payload), content_type="application/x-www-form-urlencoded")

    def command(self, user: str, text: str, *, channel: str = "C0STAFFROOM", name: str = "staffroom") -> tuple[
            int, str]:
        n = self.next()
        return self.send(command_body(
            token="legacy", team_id=TEAM, channel_id=channel, channel_name=name, user_id=user, user_name="someone",
            command="/policy", text=text, response_url="http://127.0.0.1:9/unused", trigger_id=f"cmd.{n}"),
            content_type="application/x-www-form-urlencoded")


@pytest.fixture
def slack(store: Store, demo_school: SchoolConfig) -> Iterator[SlackBot]:
    sync_from_school(store, config=demo_school)
    now, pauses, ticks = [NOW], [], [0.0]

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        ticks[0] += seconds

    with fake_slack() as fake:
        client = web_client("xoxb-test", fake.url)
        deliverer = SlackDeliverer(client, send_label="Send", throttle=Throttle(1.0, clock=lambda: ticks[0],
                                                                                 sleep=pause))
        service = build_chat_service(store, config=demo_school, engine=build_engine(), deliverer=deliverer,
                                     clock=lambda: now[0], channel="slack")
        app = build_app(service, client=client, signing_secret=SIGNING_SECRET, deliverer=deliverer)
        server = http_server(app, port=0, host="127.0.0.1")
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield SlackBot(fake, f"http://127.0.0.1:{server.server_address[1]}{EVENTS_PATH}", service,
                           itertools.count(1), now, pauses)
        finally:
            server.shutdown()
            server.server_close()


def test_a_question_in_a_dm_is_answered_with_the_quoted_clause_and_its_citation(slack: SlackBot) -> None:
    reply = slack.dm(TEACHER, "A pupil sent me a friend request on Instagram")
    posted = "\n".join(text_of(c) for c in slack.fake.posts_to(dm_of(TEACHER)))
    assert "friend requests must be declined" in posted
    quotes = [b for c in slack.fake.posts_to(dm_of(TEACHER)) for b in c.params["blocks"]
              if b["type"] == "context"]
    assert quotes, "each quoted clause carries its citation"
    assert {"yes", "no"} <= {b["value"] for b in buttons(reply)}  # the offer of the report form, as buttons


def test_a_bad_signature_is_refused_and_nothing_is_answered(slack: SlackBot) -> None:
    body = event_body(dm_event(TEACHER, "can I follow a parent?", n=1), event_id="EvBAD")
    status, _ = post_to_bot(slack.url, body, headers=signed_headers(body, secret="not-the-secret"))
    assert status == 401
    stale = signed_headers(body, timestamp=int(time.time()) - 3600)  # a replayed request
    assert post_to_bot(slack.url, body, headers=stale)[0] == 401
    assert not slack.fake.called("chat.postMessage")


def test_messages_from_many_staff_are_worked_on_at_once(slack: SlackBot, demo_school: SchoolConfig,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A turn waiting on the database must not hold up the next person's (tests/turn_barrier.py)."""
    assert TURN_THREADS >= AT_ONCE
    users = [person.slack_id for _, person in demo_school.all_staff() if person.slack_id][:AT_ONCE]
    assert len(users) == AT_ONCE
    together = hold_turns(slack.service, monkeypatch)
    for user in users:
        assert slack.event(dm_event(user, "can I post sports day photos?", n=slack.next()))[0] == 200
    for user in users:
        slack.fake.wait_for("chat.postMessage", channel=dm_of(user))
    assert not together.broken


#: Replies slack.com is taking at once: 200 messages a second, each reply taking it up to 300 ms, keep 60 in flight.
REPLIES_IN_FLIGHT = 60


def test_replies_waiting_on_slack_do_not_hold_up_the_next_messages(slack: SlackBot) -> None:
    """A turn holds its thread until slack.com has taken its reply, 100-300 ms away: the web process must keep
    enough replies in flight, or it answers more slowly than staff write. The fake takes none of them until all
    have arrived."""
    assert TURN_THREADS >= REPLIES_IN_FLIGHT
    slack.fake.held_posts = held = threading.Barrier(REPLIES_IN_FLIGHT, timeout=20)
    for _ in range(REPLIES_IN_FLIGHT):
        assert slack.event(dm_event(TEACHER, "can I post sports day photos?", n=slack.next()))[0] == 200
    slack.fake.wait_for("chat.postMessage", lambda _: len(slack.fake.posts_to(dm_of(TEACHER))) >= REPLIES_IN_FLIGHT,
                        timeout=60)
    assert not held.broken


def test_a_retried_event_is_answered_once(slack: SlackBot) -> None:
    event = dm_event(TEACHER, "can I follow a parent on Facebook?", n=1)
    assert slack.event(event, event_id="EvSAME")[0] == 200
    slack.wait_posts(dm_of(TEACHER), 0)
    first = [c.params["text"] for c in slack.fake.posts_to(dm_of(TEACHER))]
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert slack.event(event, event_id="EvSAME", **retry)[0] == 200
    slack.dm(TEACHER, "what is the policy on school social media accounts?")  # answered: the retry had its turn
    texts = [c.params["text"] for c in slack.fake.posts_to(dm_of(TEACHER))]
    assert texts[:len(first)] == first and not set(first) & set(texts[len(first):])


def test_a_rate_limited_post_is_retried_after_retry_after(slack: SlackBot) -> None:
    slack.fake.fail_next("chat.postMessage", status=429, retry_after="1")
    slack.dm(TEACHER, "can I post sports day photos?")
    refused = [c for c in slack.fake.calls if c.method == "chat.postMessage" and c.status == 429]
    accepted = slack.fake.posts_to(dm_of(TEACHER))
    assert len(refused) == 1 and accepted
    assert accepted[0].at - refused[0].at >= 1.0  # waited as Slack asked


def _stored_anywhere(store: Store, text: str) -> bool:
    meta = MetaData()
    meta.reflect(store.engine)
    with store.engine.connect() as connection:
        return any(text in str(row) for table in meta.sorted_tables for row in connection.execute(select(table)))


def test_someone_not_in_the_staff_list_is_turned_away_and_nothing_is_stored(slack: SlackBot) -> None:
    slack.fake.users["U0STRANGER"] = {"id": "U0STRANGER", "profile": {"email": "x@elsewhere.example"}}
    reply = slack.dm("U0STRANGER", f"I want to report {SECRET}")
    assert "administrator" in text_of(reply) and SECRET not in text_of(reply)
    assert slack.fake.called("users.info")  # asked Slack for the email, as the id was unknown
    assert not _stored_anywhere(slack.service.store, SECRET)
    assert not _stored_anywhere(slack.service.store, "U0STRANGER")


def test_a_staff_member_found_by_email_is_linked(slack: SlackBot) -> None:
    slack.fake.users["U0NEWID"] = {"id": "U0NEWID", "profile": {"email": "e.clarke@riverside-academy.example"}}
    with slack.service.store.transaction(write=True) as tx:
        tx.staff.update(_without_slack_id(tx.staff.get("e.clarke")))
    slack.dm("U0NEWID", "can I follow a parent?")
    staff = slack.service.staff("e.clarke")
    assert staff is not None and staff.slack_id == "U0NEWID"


def _without_slack_id(person: Any) -> Any:
    from dataclasses import replace

    return replace(person, slack_id=None)


def test_the_slash_command_answers_in_the_dm_and_acks_in_the_channel(slack: SlackBot) -> None:
    status, body = slack.command(TEACHER, "can I follow a parent?")
    assert status == 200 and "direct message" in body
    reply = slack.wait_posts(dm_of(TEACHER), 0)
    assert reply.params["channel"] == dm_of(TEACHER)
    assert any(b["type"] == "context" for c in slack.fake.posts_to(dm_of(TEACHER)) for b in c.params["blocks"])
    assert not [c for c in slack.fake.called("chat.postMessage") if c.params["channel"] == "C0STAFFROOM"]


def test_the_slash_command_starts_a_report_in_the_dm(slack: SlackBot) -> None:
    slack.command(TEACHER, "report")
    picker = slack.wait_posts(dm_of(TEACHER), 0)
    assert "pupil_contact" in {b["value"] for b in buttons(picker)}


def _answer(slack: SlackBot, user: str, last: Call) -> Call:
    """Answer the step the bot is asking, with its buttons where it offers them."""
    key = DialogueKey("slack", TEAM, user)
    state = slack.service.conversation.dialogues.get(key)
    assert state is not None
    before = len(slack.fake.posts_to(dm_of(user)))
    if state["stage"] == "confirm":
        slack.click(user, last, "send")
        return slack.wait_posts(dm_of(user), before)
    step = FORMS.get(state["form"]).step(state["step"])
    assert step is not None
    if step.type == "multi_choice":
        slack.tick_and_send(user, last, [step.options[0].value])
    elif step.type == "choice":
        slack.click(user, last, step.options[0].value)
    elif step.type == "yes_no" and {"yes", "no"} <= {b["value"] for b in buttons(last)}:
        slack.click(user, last, "yes")
    else:
        text = {"datetime": "yesterday 9pm", "url": "https://example.com/page", "staff": "Emily Clarke",
                "pupil": "AB Y7", "yes_no": "yes"}.get(step.type, f"{SECRET} <!channel> for {step.id}")
        return slack.dm(user, text)
    return slack.wait_posts(dm_of(user), before)


def _make_report(slack: SlackBot) -> str:
    offer = slack.dm(TEACHER, "A pupil sent me a friend request on Instagram")
    before = len(slack.fake.posts_to(dm_of(TEACHER)))
    slack.click(TEACHER, offer, "yes")
    last = slack.wait_posts(dm_of(TEACHER), before)
    for _ in range(30):
        if slack.service.conversation.dialogues.get(DialogueKey("slack", TEAM, TEACHER)) is None:
            break
        last = _answer(slack, TEACHER, last)
    sent = text_of(last)
    reference = next(w.strip(".,\"") for w in sent.replace("\\n", " ").split() if w.startswith("PC-2026-"))
    return reference


def test_a_report_made_with_buttons_goes_to_the_dsl_who_opens_and_acknowledges_it(slack: SlackBot) -> None:
    reference = _make_report(slack)
    # the typed answer's mention is shown, never executed: escaped wherever it is posted
    assert "&lt;!channel&gt;" in json.dumps([c.params for c in slack.fake.posts_to(dm_of(TEACHER))])
    assert "<!channel>" not in json.dumps([c.params for c in slack.fake.called("chat.postMessage")])

    slack.service.drain()  # the web process's outbox thread, run now
    alert = slack.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == dm_of(DSL))
    assert reference in text_of(alert) and SECRET not in text_of(alert)  # alerts carry no details
    assert {f"show {reference}", f"ack {reference}"} <= {b["value"] for b in buttons(alert)}

    slack.click(DSL, alert, f"show {reference}")
    modal = slack.fake.wait_for("views.open")
    assert modal.params["view"]["type"] == "modal" and SECRET in text_of(modal)

    before = len(slack.fake.posts_to(dm_of(DSL)))
    slack.click(DSL, alert, f"ack {reference}")
    done = slack.wait_posts(dm_of(DSL), before)
    assert f"Acknowledged {reference}" in text_of(done)
    update = slack.fake.wait_for("chat.update", lambda c: c.params["channel"] == dm_of(DSL))
    assert "Acknowledge" in text_of(update)  # the used buttons now say what was chosen

    before = len(slack.fake.posts_to(dm_of(TEACHER)))
    slack.service.drain()
    told = slack.wait_posts(dm_of(TEACHER), before)
    assert "acknowledged" in text_of(told) and reference in text_of(told)


def test_someone_the_report_is_not_for_cannot_read_it(slack: SlackBot) -> None:
    reference = _make_report(slack)
    reply = slack.dm("U0773CUW5G4", f"show {reference}")  # e.clarke, a teacher not routed to
    assert SECRET not in text_of(reply) and reference in text_of(reply)


def test_the_app_home_shows_what_waits_and_the_dsl_sees_reports_routed_to_them(slack: SlackBot) -> None:
    reference = _make_report(slack)
    slack.event({"type": "app_home_opened", "user": DSL, "channel": dm_of(DSL), "tab": "home"})
    home = slack.fake.wait_for("views.publish", lambda c: c.params["user_id"] == DSL)
    assert home.params["view"]["type"] == "home"
    values = {b["value"] for b in buttons(home)}
    assert {f"show {reference}", f"ack {reference}"} <= values
    assert any(v.startswith("acknowledge ") for v in values)  # policies waiting for acknowledgement
    assert "start-form pupil_contact" in values
    assert SECRET not in text_of(home)

    slack.event({"type": "app_home_opened", "user": TEACHER, "channel": dm_of(TEACHER), "tab": "home"})
    mine = slack.fake.wait_for("views.publish", lambda c: c.params["user_id"] == TEACHER)
    assert reference in text_of(mine) and f"ack {reference}" not in {b["value"] for b in buttons(mine)}


def test_a_home_button_starts_a_report_in_the_dm(slack: SlackBot) -> None:
    slack.event({"type": "app_home_opened", "user": TEACHER, "channel": dm_of(TEACHER), "tab": "home"})
    home = slack.fake.wait_for("views.publish")
    blocks = [{**b, "block_id": f"h{n}"} for n, b in enumerate(home.params["view"]["blocks"])]
    block, button = next((b, e) for b in blocks if b["type"] == "actions" for e in b["elements"]
                         if e.get("value") == "start-form cyberbullying")
    n = slack.next()
    payload = {"type": "block_actions", "user": {"id": TEACHER, "team_id": TEAM}, "team": {"id": TEAM},
               "api_app_id": "A0POLICY", "token": "legacy", "trigger_id": f"t.{n}",
               "container": {"type": "view", "view_id": "V1"}, "view": {"id": "V1", "type": "home", "blocks": blocks},
               "actions": [{**button, "block_id": block["block_id"], "action_ts": f"1700000400.{n:06d}"}]}
    slack.send(form_body(payload), content_type="application/x-www-form-urlencoded")
    slack.wait_posts(dm_of(TEACHER), 0)
    state = slack.service.conversation.dialogues.get(DialogueKey("slack", TEAM, TEACHER))
    assert state is not None and state["form"] == "cyberbullying"
    slack.fake.wait_for("views.publish", lambda c: len(slack.fake.called("views.publish")) >= 2)


def test_the_acknowledgement_button_records_the_acknowledgement(slack: SlackBot) -> None:
    reply = slack.dm(TEACHER, "pending")
    value = next(b["value"] for c in slack.fake.posts_to(dm_of(TEACHER)) for b in buttons(c)
                 if b["value"].startswith("acknowledge "))
    post = next(c for c in slack.fake.posts_to(dm_of(TEACHER)) if value in {b["value"] for b in buttons(c)})
    before = len(slack.fake.posts_to(dm_of(TEACHER)))
    slack.click(TEACHER, post, value)
    done = slack.wait_posts(dm_of(TEACHER), before)
    assert reply.params["channel"] == dm_of(TEACHER) and "recorded that you have read" in text_of(done)
    with slack.service.store.transaction() as tx:
        rows = tx.acknowledgements.done(academic_year="2026-27", school_ids=["riverside"])
    assert any(staff == "r.ahmed" and policy == value.split()[1] for staff, policy, _ in rows)


def test_team_join_adds_the_joiner_and_starts_induction(slack: SlackBot) -> None:
    from dataclasses import replace

    with slack.service.store.transaction(write=True) as tx:
        person = tx.staff.get("h.li")
        tx.staff.update(replace(person, start_date=None, slack_id=None))
    joiner = {"id": "U0HLINEW", "name": "hli", "real_name": "Hannah Li", "is_bot": False,
              "profile": {"email": "h.li@riverside-academy.example", "real_name": "Hannah Li"}}
    slack.event({"type": "team_join", "user": joiner})
    welcome = slack.wait_posts(dm_of("U0HLINEW"), 0)
    assert welcome.params["channel"] == dm_of("U0HLINEW")
    staff = slack.service.staff("h.li")
    assert staff is not None and staff.slack_id == "U0HLINEW" and staff.start_date == NOW.date()


def test_a_mention_in_a_channel_is_answered_in_a_thread_and_a_report_moves_to_the_dm(slack: SlackBot) -> None:
    mention = {"type": "app_mention", "channel": "C0STAFFROOM", "user": TEACHER, "ts": "1700000500.000001",
               "text": "<@UBOTPOLICY> can I follow a parent on Instagram?"}
    slack.event(mention)
    answer = slack.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "C0STAFFROOM")
    assert answer.params["thread_ts"] == "1700000500.000001"
    slack.event({**mention, "ts": "1700000500.000002", "text": "<@UBOTPOLICY> report"})
    slack.fake.wait_for("chat.postMessage", lambda c: c.params.get("thread_ts") == "1700000500.000002")
    picker = next(c for c in slack.fake.called("chat.postMessage") if c.params.get("thread_ts") == "1700000500.000002")
    slack.click(TEACHER, picker, "pupil_contact", channel="C0STAFFROOM")
    slack.wait_posts(dm_of(TEACHER), 0)  # the form's first step, in private
    moved = slack.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "C0STAFFROOM"
                                and "direct message" in str(c.params.get("text")))
    assert moved.params["thread_ts"] == "1700000500.000002"


def test_a_free_text_answer_can_be_written_in_a_modal_and_is_not_left_in_the_dm(slack: SlackBot) -> None:
    picker = slack.dm(TEACHER, "report")
    before = len(slack.fake.posts_to(dm_of(TEACHER)))
    slack.click(TEACHER, picker, "pupil_contact")
    first = slack.wait_posts(dm_of(TEACHER), before)
    assert "private-text" not in {e["action_id"] for b in first.params["blocks"] if b["type"] == "actions"
                                  for e in b["elements"]}  # a multi-choice step: buttons, not a modal
    before = len(slack.fake.posts_to(dm_of(TEACHER)))
    slack.tick_and_send(TEACHER, first, ["message"])
    asking = slack.wait_posts(dm_of(TEACHER), before)
    button = next(e for b in asking.params["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"] == "private-text"
    slack.click(TEACHER, asking, "private-text")
    modal = slack.fake.wait_for("views.open")
    view = modal.params["view"]
    assert view["callback_id"] == "private-text" and view["blocks"][0]["type"] == "input"

    n = slack.next()
    typed = f"Snapchat {SECRET}"
    submission = {"type": "view_submission", "token": "legacy", "api_app_id": "A0POLICY", "trigger_id": f"v.{n}",
                  "user": {"id": TEACHER, "team_id": TEAM}, "team": {"id": TEAM},
                  "view": {**view, "id": f"V{n}", "hash": "h1", "team_id": TEAM, "app_id": "A0POLICY",
                           "state": {"values": {"answer": {"text": {"type": "plain_text_input", "value": typed}}}}}}
    before = len(slack.fake.posts_to(dm_of(TEACHER)))
    status, _ = slack.send(form_body(submission), content_type="application/x-www-form-urlencoded")
    assert status == 200
    slack.wait_posts(dm_of(TEACHER), before)
    state = slack.service.conversation.dialogues.get(DialogueKey("slack", TEAM, TEACHER))
    assert state is not None and state["answers"]["platform"] == typed
    assert SECRET not in json.dumps([c.params for c in slack.fake.called("chat.postMessage")])


def test_reminders_reach_each_dm_once_spaced_by_the_throttle(slack: SlackBot) -> None:
    queued = slack.service.reminders.run_due(now=NOW)
    recipients = {q.staff for q in queued}
    assert len(recipients) > 5
    result = slack.service.drain()
    assert result.delivered == len(queued) and result.failed == 0
    posts = slack.fake.called("chat.postMessage")
    assert len(posts) >= len(queued)
    assert all(any(b["value"].startswith("acknowledge ") for b in buttons(c)) for c in posts
               if "acknowledge" in json.dumps(c.params["blocks"]))
    assert len(slack.pauses) == len(posts) - 1 and all(p <= 1.0 for p in slack.pauses)  # one post a second
    assert len(slack.fake.called("conversations.open")) == len(recipients)
    slack.advance(timedelta(minutes=1))
    slack.service.reminders.run_due(now=NOW)
    slack.service.drain()  # nothing new: the DM channels are remembered, nothing is sent twice
    assert len(slack.fake.called("chat.postMessage")) == len(posts)


def test_a_failed_delivery_is_retried_by_the_outbox(slack: SlackBot) -> None:
    reference = _make_report(slack)
    slack.fake.fail_next("chat.postMessage", status=500)
    first = slack.service.drain()
    assert first.failed == 1  # the outbox keeps it, to try again after its backoff
    slack.advance(timedelta(hours=1))
    slack.service.drain()
    assert any(reference in text_of(c) for c in slack.fake.posts_to(dm_of(DSL)))
    assert any(reference in text_of(c) for c in slack.fake.posts_to(dm_of(HEAD)))  # copied, as routed


def test_a_mention_during_a_report_is_not_taken_as_an_answer_in_public(slack: SlackBot) -> None:
    picker = slack.dm(TEACHER, "report")
    before = len(slack.fake.posts_to(dm_of(TEACHER)))
    slack.click(TEACHER, picker, "cyberbullying")
    slack.wait_posts(dm_of(TEACHER), before)
    state = slack.service.conversation.dialogues.get(DialogueKey("slack", TEAM, TEACHER))
    slack.event({"type": "app_mention", "channel": "C0STAFFROOM", "user": TEACHER, "ts": "1700000600.000001",
                 "text": f"<@UBOTPOLICY> {SECRET}"})
    note = slack.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "C0STAFFROOM")
    assert "direct messages" in note.params["text"] and note.params["thread_ts"] == "1700000600.000001"
    assert slack.service.conversation.dialogues.get(DialogueKey("slack", TEAM, TEACHER)) == state


def test_every_hostile_message_gets_a_reply_and_no_markup_is_executed(slack: SlackBot) -> None:
    """The shared corpus (tests/data/hostile_inputs.yaml) as DMs: each is answered, the app stays up, and
    what a user typed never reaches Slack as live markup (mentions, channel pings, links)."""
    from hostile_corpus import CORPUS

    for hostile in CORPUS:
        post = slack.dm(TEACHER, hostile.text)
        shown = text_of(post)
        assert shown.strip(), hostile.name
        for live in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<https://"):
            assert live not in shown or live not in hostile.text, (hostile.name, live)
        slack.dm(TEACHER, "cancel")  # leave no offer or form behind for the next entry


def test_a_burst_of_connections_waits_to_be_served_instead_of_being_dropped() -> None:
    """Slack sends many requests at once to a busy workspace's app. Connections the server has not accepted
    yet wait in the listen backlog; with socketserver's default of 5, the kernel dropped the rest and their
    clients tried again only a second later. Here nothing accepts (the server is not serving)."""
    app = App(signing_secret=SIGNING_SECRET, token="xoxb-test", token_verification_enabled=False)
    server = http_server(app, port=0, host="127.0.0.1")
    sockets = []
    try:
        for _ in range(40):
            sockets.append(socket.create_connection(server.server_address, timeout=0.5))  # a dropped SYN: timeout
    finally:
        for opened in sockets:
            opened.close()
        server.server_close()
    assert len(sockets) == 40
