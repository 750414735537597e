"""Who is this Slack user? A member of staff by their Slack member id, else by the email Slack holds for them.

The id is tried first, with no call to Slack, so a known person's message costs no extra request. Only an
unknown id costs a users.info (which needs the `users:read.email` scope to include the email); a match by
email links the account, so that it is the last call for that person.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.conversation import Who
from bot.core.service import ChatService, PlatformUser

log = logging.getLogger(__name__)


def platform_user(team_id: str, user: dict[str, Any]) -> PlatformUser:
    """A Slack user object (users.info, team_join) as the core's PlatformUser."""
    profile = user.get("profile") or {}
    return PlatformUser("slack", team_id, str(user["id"]), email=profile.get("email") or None,
                        name=profile.get("real_name") or user.get("real_name") or user.get("name") or None)


def identify(service: ChatService, client: WebClient, *, team_id: str, user_id: str) -> Who | None:
    """The member of staff behind `user_id`, or None for someone who is not (then nothing is stored)."""
    who = service.identify(PlatformUser("slack", team_id, user_id))
    return who if who is not None else identify_by_profile(service, client, team_id=team_id, user_id=user_id)


def identify_by_profile(service: ChatService, client: WebClient, *, team_id: str, user_id: str) -> Who | None:
    """A Slack account not linked yet, by the email Slack holds for it (users.info), which links it."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.warning("users.info for %s failed: %s", user_id, exc.response.get("error"))
        return None
    found = platform_user(team_id, user)
    return service.identify(found) if found.email else None
