"""The school file into the database, and `staff list` as DESIGN.md fixes it."""

from __future__ import annotations

import json
from pathlib import Path

from bot.school import SchoolConfig, load_school
from bot.staff import LIST_FIELDS, list_staff, register_joiner, sync_from_school
from bot.store import StaffSource, StaffStatus, Store

DEMO_TEXT = (Path(__file__).resolve().parent.parent / "school" / "demo-school.yaml").read_text(
    encoding="utf-8"
)


def _variant(tmp_path: Path, *replacements: tuple[str, str]) -> SchoolConfig:
    text = DEMO_TEXT
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "school.yaml"
    path.write_text(text, encoding="utf-8")
    return load_school(path)


def test_first_sync_adds_everyone_and_lists_them(store: Store, demo_school: SchoolConfig) -> None:
    changes = sync_from_school(store, config=demo_school)
    ids = [person.id for _, person in demo_school.all_staff()]
    assert sorted(changes.added) == sorted(ids)
    assert changes.changed == changes.marked_left == []
    listed = list_staff(store)
    assert [entry["id"] for entry in listed] == sorted(ids)
    price = next(entry for entry in listed if entry["id"] == "d.price")
    assert tuple(price) == LIST_FIELDS == ("id", "name", "roles", "school", "email", "slack_id", "teams_id")
    assert price == {
        "id": "d.price",
        "name": "Daniel Price",
        "roles": ["dsl", "teacher", "staff"],
        "school": "riverside",
        "email": "d.price@riverside-academy.example",
        "slack_id": "U07RAFHUG4A",
        "teams_id": "7d836e77-af67-4461-a416-3207d0944996",
    }
    json.dumps(listed)  # JSON-safe as it is


def test_second_sync_changes_nothing(store: Store, demo_school: SchoolConfig) -> None:
    sync_from_school(store, config=demo_school)
    with store.transaction() as tx:
        before = tx.staff.list()
    changes = sync_from_school(store, config=demo_school)
    assert changes.added == changes.changed == changes.marked_left == []
    with store.transaction() as tx:
        assert tx.staff.list() == before


def test_edits_update_and_removals_mark_left(store: Store, demo_school: SchoolConfig, tmp_path: Path) -> None:
    sync_from_school(store, config=demo_school)
    edited = _variant(
        tmp_path,
        ("name: Rashid Ahmed", "name: Rashid Ahmed-Khan"),
        ("  - id: g.singh\n", "  - id: g.singh\n    status: on_leave\n"),
    )
    without_ta = edited.model_copy(
        update={
            "schools": (
                edited.schools[0].model_copy(
                    update={"staff": tuple(p for p in edited.schools[0].staff if p.id != "s.kowalski")}
                ),
            )
        }
    )
    changes = sync_from_school(store, config=without_ta)
    assert sorted(changes.changed) == ["g.singh", "r.ahmed"]
    assert changes.marked_left == ["s.kowalski"]
    with store.transaction() as tx:
        gone = tx.staff.get("s.kowalski")
        assert gone is not None and gone.status is StaffStatus.LEFT  # kept, not deleted
        assert tx.staff.get("r.ahmed").name == "Rashid Ahmed-Khan"  # type: ignore[union-attr]
    listed = {entry["id"] for entry in list_staff(store)}
    assert "s.kowalski" not in listed and "g.singh" in listed  # leavers are not staff; on leave still is
    # Back in the file: back on the staff.
    assert sorted(sync_from_school(store, config=demo_school).changed) == ["g.singh", "r.ahmed", "s.kowalski"]


def test_platform_ids_learnt_from_joiners_survive_a_file_without_them(store: Store, tmp_path: Path) -> None:
    config = _variant(tmp_path, ("    slack_id: U07CK597ZNS\n", ""))
    sync_from_school(store, config=config)
    outcome = register_joiner(
        store,
        platform="slack",
        user_id="U09NEWSLACK",
        email="r.ahmed@riverside-academy.example",
        name="Rashid",
    )
    assert outcome.matched
    assert sync_from_school(store, config=config).changed == []
    with store.transaction() as tx:
        assert tx.staff.get("r.ahmed").slack_id == "U09NEWSLACK"  # type: ignore[union-attr]


def test_the_file_adopts_a_pending_joiner(store: Store, demo_school: SchoolConfig, tmp_path: Path) -> None:
    sync_from_school(store, config=demo_school)
    pending = register_joiner(
        store,
        platform="teams",
        user_id="0b8c8a34-5d4e-4f3b-9a8e-1c2d3e4f5a6b",
        email="z.okoro@riverside-academy.example",
        name="Zara Okoro",
    )
    assert not pending.matched
    assert pending.staff.id == "z.okoro"  # from the email
    with_zara = _variant(
        tmp_path,
        (
            "staff:\n",
            "staff:\n  - {id: zara.okoro, name: Zara Okoro, "
            "email: z.okoro@riverside-academy.example, roles: [teacher]}\n",
        ),
    )
    changes = sync_from_school(store, config=with_zara)
    assert changes.added == ["zara.okoro"]
    assert changes.replaced_pending == ["z.okoro"]
    with store.transaction() as tx:
        zara = tx.staff.get("zara.okoro")
        assert zara is not None and zara.teams_id == "0b8c8a34-5d4e-4f3b-9a8e-1c2d3e4f5a6b"
        assert zara.source is StaffSource.SCHOOL_FILE and zara.current
        assert tx.staff.get(pending.staff.id).status is StaffStatus.LEFT  # type: ignore[union-attr]


def test_a_pending_joiner_under_the_same_id_simply_becomes_staff(
    store: Store, demo_school: SchoolConfig, tmp_path: Path
) -> None:
    sync_from_school(store, config=demo_school)
    register_joiner(
        store,
        platform="slack",
        user_id="U09ZARA",
        email="z.okoro@riverside-academy.example",
        name="Zara Okoro",
    )
    with_zara = _variant(
        tmp_path,
        (
            "staff:\n",
            "staff:\n  - {id: z.okoro, name: Zara Okoro, "
            "email: z.okoro@riverside-academy.example, roles: [teacher]}\n",
        ),
    )
    changes = sync_from_school(store, config=with_zara)
    assert changes.changed == ["z.okoro"] and changes.added == []
    with store.transaction() as tx:
        zara = tx.staff.get("z.okoro")
        assert zara is not None and zara.current and zara.slack_id == "U09ZARA"
        assert zara.source is StaffSource.SCHOOL_FILE and zara.roles == ("teacher", "staff")


def test_a_trust_syncs_every_school(store: Store, demo_trust: SchoolConfig) -> None:
    sync_from_school(store, config=demo_trust)
    with store.transaction() as tx:
        assert {(s.id, s.trust_id) for s in tx.schools.list()} == {
            ("riverside", "northshire-learning"),
            ("hillside", "northshire-learning"),
        }
        assert tx.staff.get("r.ahmed").status is StaffStatus.LEFT  # type: ignore[union-attr]
    assert [e["id"] for e in list_staff(store, school_id="hillside")] == [
        "n.ferreira",
        "w.brooks",
        "y.adeyemi",
    ]
    assert "r.ahmed" not in {e["id"] for e in list_staff(store)}


def _sync_in_a_process(url: str, barrier, errors) -> None:  # noqa: ANN001 - multiprocessing proxies
    from bot.store import open_store

    try:
        with open_store(url) as opened:
            barrier.wait(timeout=30)
            sync_from_school(opened, config=load_school())
    except BaseException as exc:  # noqa: BLE001 - reported to the test through the queue
        errors.put(repr(exc))


def test_two_processes_syncing_an_empty_database_at_once_both_succeed(database_url: str) -> None:
    """SQLite serialises the two write transactions; PostgreSQL needs the advisory lock (without it, both
    insert the same staff and one fails on the unique key)."""
    import multiprocessing

    from bot.store import open_store

    open_store(database_url).close()  # migrated first: the migration race has its own test
    context = multiprocessing.get_context("fork")
    barrier, errors = context.Barrier(3), context.Queue()
    workers = [context.Process(target=_sync_in_a_process, args=(database_url, barrier, errors)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert all(worker.exitcode == 0 for worker in workers)
    assert errors.empty(), errors.get()
    with open_store(database_url) as opened:
        listed = list_staff(opened)
    assert sorted(p["id"] for p in listed) == sorted({p.id for _, p in load_school().all_staff()
                                                      if p.status != "left"})
