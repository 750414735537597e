"""The Teams activity handler: who is this, what do we say, and how do we reach them later.

It only translates. A message (or a card button's value) goes to `ChatService.handle` and the replies come
back as one Adaptive Card in the same turn; the person's personal-chat conversation reference is stored
through the service (the database, so every process and a restarted one can send alerts and reminders);
members added start induction through `ChatService.member_joined`. The conversation's own state is the
core's, in the store: this class keeps none.

The store is synchronous, so each call into the core runs in a worker thread and the event loop keeps
answering other people meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ChannelAccount

from bot.channels.teams.cards import submitted_value
from bot.channels.teams.deliver import Backoff, send_card, send_text
from bot.channels.teams.messages import TeamsMessages
from bot.channels.teams.wire import serialized
from bot.core.conversation import Who
from bot.core.replies import Reply, Text
from bot.core.service import ChatService, PlatformUser

log = logging.getLogger(__name__)

PLATFORM = "teams"
MSTEAMS = "msteams"


def tenant_of(activity: Activity) -> str:
    """The Microsoft 365 tenant (the "workspace" of a Teams conversation)."""
    conversation_tenant = activity.conversation.tenant_id if activity.conversation else None
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    return conversation_tenant or (channel_data.get("tenant") or {}).get("id") or ""


def is_personal(activity: Activity) -> bool:
    """A one-to-one chat with the bot (Teams says `personal`; the emulator and tests say nothing)."""
    kind = activity.conversation.conversation_type if activity.conversation else None
    return kind in (None, "personal")


def personal_reference(activity: Activity) -> dict[str, Any]:
    """How to message this person later: their chat with the bot, not a reply to this one activity."""
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    return serialized(reference)


class PolicyTeamsBot(ActivityHandler):
    def __init__(self, service: ChatService, *, messages: TeamsMessages, backoff: Backoff) -> None:
        self._service = service
        self._messages = messages
        self._backoff = backoff

    # -- messages -------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        # An empty message, or a card value that is not one of ours, still reaches the core: it answers with
        # the short help rather than leaving the person with no reply.
        text = (activity.text or "").strip() or submitted_value(activity.value) or ""
        if not is_personal(activity):
            if await self._first_sighting(activity):
                await send_text(turn_context, self._messages.personal_only, backoff=self._backoff)
            return
        key, reference = _event_key(activity), personal_reference(activity)
        bare = self._bare_user(activity, activity.from_property)
        # the usual case, a known account: one transaction and one trip to a worker thread (`ChatService.message`)
        who, replies = await asyncio.to_thread(self._service.message, PLATFORM, bare, key, text, reference)
        if who is None:  # an account not linked yet: Teams is asked for their email, outside any transaction
            found = await self._identify_by_email(turn_context, activity.from_property)
            if found is None:
                if await self._first_sighting(activity):
                    await send_text(turn_context, self._messages.not_staff, backoff=self._backoff)
                return
            _, replies = await asyncio.to_thread(self._service.message, PLATFORM, found, key, text, reference)
        if replies is not None:  # None: Teams retried an activity we already answered
            await send_card(turn_context, replies, messages=self._messages, backoff=self._backoff)

    # -- joining and installing -----------------------------------------------------------------

    async def on_members_added_activity(self, members_added: list[ChannelAccount],
                                        turn_context: TurnContext) -> None:
        """A new member of a team, or the app added to someone's personal scope (then the bot itself is
        the member added, and the person is the activity's sender)."""
        activity = turn_context.activity
        if not await self._first_sighting(activity):
            return
        bot_id = activity.recipient.id if activity.recipient else None
        for member in members_added:
            if member.id == bot_id and not is_personal(activity):
                continue  # the app added to a team: its members are announced as they join
            person = activity.from_property if member.id == bot_id else member
            if person is None or person.id == bot_id:
                continue
            user = await self._platform_user(turn_context, person)
            outcome = await asyncio.to_thread(self._service.member_joined, user)
            if outcome.matched and is_personal(activity):
                await self._welcome(turn_context, user)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        """Installed for someone (by themselves or for all staff by an administrator): keep how to reach
        them, so alerts and reminders arrive before they ever write."""
        activity = turn_context.activity
        if not is_personal(activity) or activity.from_property is None:
            return
        who = await self._identify(turn_context, activity.from_property)
        if who is not None:
            await asyncio.to_thread(self._service.remember_reference, PLATFORM, who, personal_reference(activity))

    async def _welcome(self, turn_context: TurnContext, user: PlatformUser) -> None:
        who = await asyncio.to_thread(self._service.identify, user)
        if who is None:
            return
        activity = turn_context.activity
        await asyncio.to_thread(self._service.remember_reference, PLATFORM, who, personal_reference(activity))
        first_name = (user.name or "").split(" ")[0]
        replies: list[Reply] = [Text(self._messages.welcome.format(name=first_name))]
        replies += await asyncio.to_thread(self._service.arrive, who)
        await send_card(turn_context, replies, messages=self._messages, backoff=self._backoff)

    # -- identity -------------------------------------------------------------------------------

    async def _identify(self, turn_context: TurnContext, account: ChannelAccount) -> Who | None:
        """By Teams account (AAD object id); failing that, by the email Teams has for them."""
        who = await asyncio.to_thread(self._service.identify, self._bare_user(turn_context.activity, account))
        return who if who is not None else await self._identify_by_email(turn_context, account)

    async def _identify_by_email(self, turn_context: TurnContext, account: ChannelAccount) -> Who | None:
        """By the email Teams has for an account not linked yet, which links it for next time."""
        user = await self._platform_user(turn_context, account)
        if user.email is None:
            return None
        return await asyncio.to_thread(self._service.identify, user)

    @staticmethod
    def _bare_user(activity: Activity, account: ChannelAccount) -> PlatformUser:
        return PlatformUser(PLATFORM, tenant_of(activity), account.aad_object_id or account.id, name=account.name)

    async def _platform_user(self, turn_context: TurnContext, account: ChannelAccount) -> PlatformUser:
        """The account with the email Teams holds for it (asked of the connector; none outside Teams)."""
        user = self._bare_user(turn_context.activity, account)
        if turn_context.activity.channel_id != MSTEAMS:
            return user
        try:
            member = await self._backoff.run(lambda: TeamsInfo.get_member(turn_context, account.id))
        except Exception as exc:  # noqa: BLE001 - no email only means no match by email
            log.info("Teams member lookup failed (%s); matching by account id only", type(exc).__name__)
            return user
        email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
        return PlatformUser(PLATFORM, user.workspace, member.aad_object_id or user.user_id, email=email,
                            name=member.name or user.name)

    async def _first_sighting(self, activity: Activity) -> bool:
        key = _event_key(activity)
        return key is None or await asyncio.to_thread(self._service.first_sighting, PLATFORM, key)


def _event_key(activity: Activity) -> str | None:
    """What makes an activity a retry of one seen before: Teams activity ids are unique within a conversation,
    so the key is both (None without an id: nothing to tell a retry by)."""
    if not activity.id:
        return None
    conversation = activity.conversation.id if activity.conversation else ""
    return f"{conversation}:{activity.id}"
