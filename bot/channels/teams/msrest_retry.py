"""Works around a slow constructor in msrest, which botbuilder's connector is built on.

botbuilder's CloudAdapter makes a new ConnectorClient and a new TokenApiClient for every turn, and each of
their configurations builds a `msrest.universal_http.requests.ClientRetryPolicy`, whose constructor lists
the retryable status codes by testing each of 999 codes for membership in a 501-item *list*: half a million
comparisons, twice per message. Profiled under load (benchmarks/load_bench.py), that was a fifth of the
Teams web process's time. msrest is deprecated and the fix (Azure/msrest-for-python#266, a set) will not be
released, so the class's list is replaced by a frozenset of the same codes here: the policy it builds is
identical (tests/test_teams_adapter.py checks), only found faster.
"""

from __future__ import annotations

from msrest.universal_http.requests import ClientRetryPolicy


def speed_up_retry_policy() -> None:
    """Make ClientRetryPolicy's safe codes a frozenset (idempotent)."""
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]
