"""Fixtures shared by the whole suite.

Store tests take the `store` fixture (or `database_url`) and so run once per database:
SQLite in a temporary file always, and PostgreSQL when `TEST_DATABASE_URL` is set (.ci/run
installs PostgreSQL and sets it). Each PostgreSQL test gets a schema of its own, dropped
afterwards, so runs never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.school import SchoolConfig, load_school
from bot.store import Store, open_store
from bot.store import database_url as resolve_url

# Property tests (hypothesis) draw the same examples on every run, so a CI run never fails on a draw that
# nobody can reproduce; HYPOTHESIS_PROFILE=explore draws new ones each run to look further (a failure found
# that way is kept as an @example).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO = Path(__file__).resolve().parent.parent
DEMO_SCHOOL = REPO / "school" / "demo-school.yaml"
DEMO_TRUST = Path(__file__).resolve().parent / "data" / "demo-trust.yaml"

_NO_POSTGRES = (
    "PostgreSQL store tests skipped: TEST_DATABASE_URL is not set (.ci/run sets it; or export "
    "TEST_DATABASE_URL=postgresql+psycopg://USER:PASSWORD@127.0.0.1:5432/DB; the role must create schemas)"
)


@pytest.fixture
def demo_school() -> SchoolConfig:
    return load_school(DEMO_SCHOOL)


@pytest.fixture
def demo_trust() -> SchoolConfig:
    return load_school(DEMO_TRUST)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty database of each kind under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'policybot.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip(_NO_POSTGRES)
    base = resolve_url(base)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated, empty store on each database under test."""
    with open_store(database_url) as opened:
        yield opened
