"""The bolt app: Slack's events, slash command and button clicks, translated to `ChatService` calls.

Nothing here decides what to say: every listener identifies the person, hands the text (or the value of the
button they pressed) to the core, and posts the replies where they belong. Where they belong is this
adapter's one judgement: a question in a channel is answered in a thread, but a report never continues in
a public channel (its steps move to the person's DM), and a report's details open in a modal so that they
are not left in the DM history.

Slack retries an event it thinks was not received; each event id (and each button press, by its action
time and user) is handled once (`ChatService.first_sighting`). `ack()` is called before any slow work, and
with `process_before_response=False` bolt runs the listener after answering Slack.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.channels.slack.deliver import SLACK, SlackDeliverer, post
from bot.channels.slack.identity import identify, identify_by_profile, platform_user
from bot.channels.slack.render import (
    ANSWER_BLOCK,
    ANSWER_INPUT,
    CHOICE,
    MULTI_PICK,
    MULTI_SEND,
    PRIVATE_TEXT,
    Block,
    chosen,
    escape,
    home_view,
    modal_view,
    private_text_button,
    text_modal,
    unescape,
)
from bot.core.channel_messages import SlackMessages
from bot.core.conversation import Who
from bot.core.home import home_for, home_title
from bot.core.replies import Reply, Text
from bot.core.service import ChatService, PlatformUser

log = logging.getLogger(__name__)

#: The Events API events the app handles (slack/manifest.yml subscribes to exactly these; `message` as message.im).
EVENTS = ("message", "app_mention", "app_home_opened", "team_join")
COMMAND = "/policy"
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_SHOW = re.compile(r"^\s*show\s+\S+\s*$", re.IGNORECASE)


def _is_dm(channel: str | None) -> bool:
    """Slack's DM channel ids start with D; a public or private channel's with C or G."""
    return bool(channel) and str(channel).startswith("D")


@dataclass
class SlackChannel:
    """One workspace's bot: the core, the Web API client and the words only Slack needs."""

    service: ChatService
    client: WebClient
    deliverer: SlackDeliverer
    messages: SlackMessages

    # -- registering ----------------------------------------------------------------------------

    def register(self, app: App) -> None:
        for event, listener in zip(EVENTS, (self.on_message, self.on_mention, self.on_home_opened, self.on_team_join),
                                   strict=True):
            app.event(event)(listener)
        app.command(COMMAND)(self.on_command)
        app.action(re.compile(f"^{CHOICE}-\\d+$"))(self.on_choice)
        app.action(MULTI_SEND)(self.on_multi_send)
        app.action(MULTI_PICK)(self.on_multi_pick)
        app.action(PRIVATE_TEXT)(self.on_private_text)
        app.view(PRIVATE_TEXT)(self.on_private_text_submitted)

    # -- events ---------------------------------------------------------------------------------

    def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A direct message to the bot (message.im). Edits, bots' messages and channel messages are not
        questions, so they are left alone."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        channel, user_id, team = event["channel"], event["user"], str(body.get("team_id", ""))
        event_id, text = str(body["event_id"]), unescape(event.get("text") or "")
        reference = {"channel": channel, "user": user_id, "team": team}  # how to reach them later
        who, replies, extra = self._dm_turn(PlatformUser(SLACK, team, user_id), event_id, text, reference)
        if who is None:  # an account not linked yet: Slack is asked who it is, outside any transaction
            found = identify_by_profile(self.service, self.client, team_id=team, user_id=user_id)
            if found is None:
                if self.service.first_sighting(SLACK, event_id):
                    self._post(channel, [Text(self.messages.not_staff)])
                return
            _, replies, extra = self._dm_turn(found, event_id, text, reference)
        if replies is not None:  # None: Slack retried an event already answered
            self._post(channel, replies, extra=extra)

    def _dm_turn(self, person: PlatformUser | Who, event_id: str, text: str,
                 reference: dict[str, str]) -> tuple[Who | None, list[Reply] | None, list[Block]]:
        """One DM in one transaction (`ChatService.message`), with any button to answer a form's question in
        private."""
        with self.service.turn():
            who, replies = self.service.message(SLACK, person, event_id, text, reference)
            private = self._answer_privately(who, reference["channel"]) if who and replies is not None else []
            return who, replies, private

    def on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """The bot named in a channel: answered in a thread; a report moves to the DM."""
        if not self.service.first_sighting(SLACK, str(body["event_id"])):
            return
        channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
        who = identify(self.service, self.client, team_id=str(body.get("team_id", "")), user_id=event["user"])
        if who is None:
            self._post(channel, [Text(self.messages.not_staff)], thread_ts=thread)
            return
        if self.service.in_form(who):  # the text may be meant as an answer, but not in public
            self._post(channel, [Text(self.messages.report_in_dm)], thread_ts=thread)
            return
        text = unescape(_MENTION.sub("", event.get("text") or "")).strip()
        self._send(who, self.service.handle(who, text), channel=channel, thread_ts=thread, was_private=False)

    def on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        who = identify(self.service, self.client, team_id=str(body.get("team_id", "")), user_id=event["user"])
        self.publish_home(event["user"], who)

    def on_team_join(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A new member of the workspace: added to the directory (pending unless they are known staff), and
        a member of staff is welcomed in their DM with what induction asks of them."""
        user = event.get("user") or {}
        if user.get("is_bot") or not self.service.first_sighting(SLACK, str(body["event_id"])):
            return
        joined = platform_user(str(body.get("team_id", "")), user)
        if not self.service.member_joined(joined).matched:
            return
        who = self.service.identify(PlatformUser(SLACK, joined.workspace, joined.user_id))
        if who is not None:
            self._post(self.deliverer.dm_channel(who.staff_id), self.service.arrive(who))

    # -- the slash command ----------------------------------------------------------------------

    def on_command(self, ack: Ack, body: dict[str, Any], command: dict[str, Any]) -> None:
        """`/policy QUESTION` or `/policy report`: answered in the person's DM, wherever it was typed."""
        in_dm = command.get("channel_name") == "directmessage"
        ack() if in_dm else ack(text=self.messages.moved_to_dm)
        if not self.service.first_sighting(SLACK, f"command:{command.get('trigger_id')}"):
            return
        user_id = command["user_id"]
        who = identify(self.service, self.client, team_id=str(command.get("team_id", "")), user_id=user_id)
        if who is None:
            self._post(self._open_dm(user_id), [Text(self.messages.not_staff)])
            return
        text = unescape(command.get("text") or "").strip()
        dm = self.deliverer.dm_channel(who.staff_id)  # (may ask Slack to open it: not inside the turn)
        with self.service.turn():  # one transaction, committed before the answer is posted
            replies = self.service.handle(who, text) if text else [Text(self.messages.slash_help)]
            extra = self._answer_privately(who, dm)
        self._post(dm, replies, extra=extra)

    # -- buttons --------------------------------------------------------------------------------

    def on_choice(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        self._act(body, action, value=action["value"], label=action["text"]["text"])

    def on_multi_send(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """The send button of a multi-choice: the ticked boxes of its message, comma-separated."""
        ack()
        picked = [option for block in (body.get("state") or {}).get("values", {}).values()
                  for element in block.values() if element.get("type") == "checkboxes"
                  for option in element.get("selected_options") or []]
        if picked:
            self._act(body, action, value=", ".join(o["value"] for o in picked),
                      label=", ".join(o["text"]["text"] for o in picked))

    def on_multi_pick(self, ack: Ack) -> None:
        """Ticking a box only changes the form's state; the send button acts."""
        ack()

    def _act(self, body: dict[str, Any], action: dict[str, Any], *, value: str, label: str) -> None:
        user_id = body["user"]["id"]
        if not self.service.first_sighting(SLACK, f"action:{action.get('action_ts')}:{user_id}"):
            return
        team = str((body.get("team") or {}).get("id") or body["user"].get("team_id", ""))
        who = identify(self.service, self.client, team_id=team, user_id=user_id)
        container = body.get("container") or {}
        if who is None:
            self._post(self._open_dm(user_id), [Text(self.messages.not_staff)])
            return
        if _SHOW.match(value) and body.get("trigger_id"):  # a report's details: in a modal, not the history
            self.client.views_open(trigger_id=body["trigger_id"], view=modal_view(
                self.messages.details_title, self.service.handle(who, value), close=self.messages.details_close,
                send_label=self.messages.send))
            return
        was_private = self.service.in_form(who)
        replies = self.service.handle(who, value)
        if container.get("type") == "message":
            message = body.get("message") or {}
            self.client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                                    text=message.get("text") or self.messages.fallback,
                                    blocks=chosen(message.get("blocks") or [], action.get("block_id", ""),
                                                  self.messages.chose.format(label=escape(label))))
            self._send(who, replies, channel=container["channel_id"], thread_ts=message.get("thread_ts"),
                       was_private=was_private)
        else:  # a button on the home tab: the answer goes to the DM, and the home shows the change
            dm = self.deliverer.dm_channel(who.staff_id)
            self._post(dm, replies, extra=self._answer_privately(who, dm))
            self.publish_home(user_id, who)

    # -- free text in a modal ------------------------------------------------------------------

    def on_private_text(self, ack: Ack, body: dict[str, Any]) -> None:
        """Open a modal for the free-text question being asked (trigger ids last 3 seconds: no delay here)."""
        ack()
        user_id = body["user"]["id"]
        who = identify(self.service, self.client, team_id=str((body.get("team") or {}).get("id", "")),
                       user_id=user_id)
        step = self.service.awaiting(who) if who is not None else None
        if step is None or step.type != "text":  # answered meanwhile: the button is stale
            return
        m = self.messages
        channel = (body.get("container") or {}).get("channel_id") or ""
        self.client.views_open(trigger_id=body["trigger_id"], view=text_modal(
            step.prompt, title=m.private_title, hint=m.private_hint, submit=m.send, close=m.details_close,
            max_length=step.max_length, optional=step.optional, metadata=json.dumps({"channel": channel})))

    def on_private_text_submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The modal's answer goes to the core as if typed; the next question follows in the DM."""
        ack()
        if not self.service.first_sighting(SLACK, f"view:{view['id']}"):
            return
        user_id = body["user"]["id"]
        who = identify(self.service, self.client, team_id=str((body.get("team") or {}).get("id", "")),
                       user_id=user_id)
        step = self.service.awaiting(who) if who is not None else None
        if who is None or step is None or step.type != "text":
            return
        value = view["state"]["values"][ANSWER_BLOCK][ANSWER_INPUT].get("value") or ""
        if not value.strip() and step.optional:  # an optional question left empty is skipped, as typed
            value = self.service.forms.messages.commands.skip[0]
        channel = json.loads(view.get("private_metadata") or "{}").get("channel")
        if not _is_dm(channel):
            channel = self.deliverer.dm_channel(who.staff_id)
        replies = self.service.handle(who, value)
        self._post(channel, replies, extra=self._answer_privately(who, channel))

    # -- the home tab ---------------------------------------------------------------------------

    def publish_home(self, user_id: str, who: Who | None) -> None:
        if who is None:
            view = home_view([Text(self.messages.not_staff)], [], send_label=self.messages.send)
        else:
            view = home_view(home_title(self.service, who), home_for(self.service, who), send_label=self.messages.send)
        self.client.views_publish(user_id=user_id, view=view)

    # -- sending --------------------------------------------------------------------------------

    def _send(self, who: Who, replies: list[Reply], *, channel: str, thread_ts: str | None,
              was_private: bool) -> None:
        """Replies where the person spoke, unless that is a public place and a report is involved: then
        in their DM, with a note in the thread that it moved."""
        if _is_dm(channel) or not (was_private or self.service.in_form(who)):
            self._post(channel, replies, thread_ts=thread_ts, extra=self._answer_privately(who, channel))
            return
        dm = self.deliverer.dm_channel(who.staff_id)
        self._post(dm, replies, extra=self._answer_privately(who, dm))
        if not was_private:
            self._post(channel, [Text(self.messages.moved_to_dm)], thread_ts=thread_ts)

    def _answer_privately(self, who: Who, channel: str) -> list[Block]:
        """In `who`'s DM, a free-text question being asked gets the button to answer it in a modal."""
        if _is_dm(channel):
            step = self.service.awaiting(who)
            if step is not None and step.type == "text":
                return [private_text_button(self.messages.write_privately)]
        return []

    def _post(self, channel: str, replies: list[Reply], *, thread_ts: str | None = None,
              extra: Sequence[Block] = ()) -> None:
        """Post replies, with `extra` blocks under them."""
        if replies:
            post(self.client, channel=channel, replies=replies, send_label=self.messages.send, thread_ts=thread_ts,
                 extra=extra)

    def _open_dm(self, user_id: str) -> str:
        """A DM with someone who is not staff (to say so): opened, never remembered."""
        return str(self.client.conversations_open(users=user_id)["channel"]["id"])
