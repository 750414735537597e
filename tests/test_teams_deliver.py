"""Throttling: which connector answers are retried, how long the waits are, and when it gives up; and the
settings that choose Bot Framework authentication or local mode."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from bot.channels.teams.deliver import Backoff, NotReachableYet, TeamsDeliverer
from bot.channels.teams.messages import teams_messages
from bot.channels.teams.server import TeamsSettings
from bot.core.replies import Text
from bot.errors import PolicybotError


class Refused(Exception):
    """Shaped like msrest's HttpOperationError: the response carries the status and headers."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.response = SimpleNamespace(status_code=status, headers=headers or {})


def run(backoff: Backoff, answers: list[int]) -> tuple[str | Exception, int]:
    calls = 0

    async def call() -> str:
        nonlocal calls
        calls += 1
        status = answers.pop(0) if answers else 200
        if status != 200:
            raise Refused(status)
        return "sent"

    try:
        return asyncio.run(backoff.run(call)), calls
    except Refused as exc:
        return exc, calls


def test_throttling_and_gateway_errors_are_retried_with_growing_jittered_waits() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    backoff = Backoff(sleep=sleep, jitter=lambda: 1.0)
    assert run(backoff, [429, 412, 502]) == ("sent", 4)
    assert slept == [0.5, 1.0, 2.0]


def test_jitter_spreads_a_wait_between_half_and_all_of_it() -> None:
    assert Backoff(jitter=lambda: 0.0).delay(3) == 1.0
    assert Backoff(jitter=lambda: 1.0).delay(3) == 2.0
    assert Backoff(jitter=lambda: 1.0).delay(9) == 4.0  # capped


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    assert Backoff(jitter=lambda: 1.0).delay(1, retry_after=3.0) == 3.0
    assert Backoff(jitter=lambda: 1.0).delay(1, retry_after=60.0) == 4.0


def test_other_errors_are_not_retried_and_retrying_stops() -> None:
    async def sleep(seconds: float) -> None:
        return None

    error, calls = run(Backoff(sleep=sleep), [403])
    assert isinstance(error, Refused) and calls == 1
    error, calls = run(Backoff(sleep=sleep, attempts=3), [504, 504, 504, 504])
    assert isinstance(error, Refused) and calls == 3


def test_someone_without_a_conversation_is_not_reachable_yet() -> None:
    loop = asyncio.new_event_loop()
    deliverer = TeamsDeliverer(adapter=None, app_id="", messages=teams_messages(), backoff=Backoff(),  # type: ignore[arg-type]
                               loop=loop, references=lambda staff_id: None)
    with pytest.raises(NotReachableYet):
        deliverer.deliver(recipient_id="m.hughes", replies=[Text("hello")], idempotency_key="k")
    loop.close()


@pytest.mark.parametrize(("settings", "said"), [
    (TeamsSettings(app_id="00000000-0000-4000-8000-00000000b07a"), "MICROSOFT_APP_PASSWORD is empty"),
    (TeamsSettings(app_password="secret"), "without MICROSOFT_APP_ID"),
])
def test_half_a_registration_is_refused_with_what_to_set(settings: TeamsSettings, said: str) -> None:
    with pytest.raises(PolicybotError, match=said):
        settings.check()
    TeamsSettings().check()  # local mode
    TeamsSettings(app_id="x", app_password="y", tenant_id="z").check()
