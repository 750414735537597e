"""The `policybot` command line (DESIGN.md fixes `ask`, `ingest`, `reports`, `reminders`, `staff`, `serve`).

Each command imports what it needs inside its handler, so `policybot ask` stays light: it
never imports the chat SDKs or the database layer.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import PolicybotError

if TYPE_CHECKING:  # the database layer is imported only by the commands that use it
    from bot.reminders import Reminders
    from bot.store import Store
    from bot.store.report_repo import ReportRecord


def _cmd_ask(args: argparse.Namespace) -> int:
    from bot.answer.build import build_engine

    if args.top < 1:
        raise PolicybotError("--top must be 1 or more")
    if args.batch is None and not args.question:
        raise PolicybotError(
            'ask needs a question, e.g. policybot ask "can I follow a parent?", or --batch FILE'
        )
    engine = build_engine(policies_dir=args.policies, school_id=args.school)
    if args.batch is not None:
        try:
            lines = Path(args.batch).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            raise PolicybotError(f"cannot read {args.batch}: {exc.strerror} - check the path") from exc
        questions = [line for line in lines if line.strip()]
    else:
        questions = [" ".join(args.question)]
    out = sys.stdout
    for question in questions:
        answer = engine.ask(question, top=args.top)
        if args.json:
            out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
        else:
            out.write(answer.text + "\n")
            if answer.form:
                out.write(f"\n(I can help you report this: form {answer.form})\n")
            if len(questions) > 1:
                out.write("\n---\n")
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from bot.ingest import ingest_file, write_policy

    policy = ingest_file(Path(args.file), policy_id=args.id)
    path = write_policy(policy, out_dir=Path(args.out) if args.out else _policy_dir())
    print(f"{path}: {policy.title} - {len(policy.clauses)} clauses")
    return 0


def _policy_dir() -> Path:
    from bot import paths

    return paths.policy_dir()


def _cmd_check(args: argparse.Namespace) -> int:
    from bot.check import run_checks

    return run_checks(out=sys.stdout)


def _cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels.console import run_console

    if isinstance(sys.stdin, io.TextIOWrapper):  # bytes that are not UTF-8 are read as U+FFFD, not a crash
        sys.stdin.reconfigure(errors="replace")
    return run_console(as_staff=args.as_staff, policies_dir=args.policies)


def open_synced_store() -> Store:
    """The database, migrated, with the school file's staff loaded: every command that uses data starts here."""
    from bot.school import load_school
    from bot.staff import sync_from_school
    from bot.store import open_store

    store = open_store()
    sync_from_school(store, config=load_school())
    return store


def _cmd_staff_list(args: argparse.Namespace) -> int:
    from bot.staff import list_staff

    for person in list_staff(open_synced_store(), school_id=args.school):
        if args.json:
            print(json.dumps(person, ensure_ascii=False))
        else:
            print(f"{person['id']:<16} {person['name']:<28} {', '.join(person['roles'])}")
    return 0


def _cmd_staff_import(args: argparse.Namespace) -> int:
    from bot.staff import import_csv

    report = import_csv(open_synced_store(), Path(args.file), school_id=args.school)
    data = report.to_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        for key, value in data.items():
            if value:
                shown = ", ".join(value) if isinstance(value, list) else value
                print(f"{key.replace('_', ' ')}: {shown}")
    return 1 if report.problems else 0


def _cmd_staff_confirm(args: argparse.Namespace) -> int:
    from bot.school import load_school
    from bot.staff import confirm_joiner
    from bot.staff.mis_csv import parse_roles

    roles = None
    if args.roles:
        roles, unknown = parse_roles(args.roles)
        if unknown:
            raise PolicybotError(f"unknown role(s) {', '.join(unknown)} - e.g. --roles teacher,dsl")
    store = open_synced_store()
    with store.transaction() as tx:
        person = tx.staff.get(args.staff_id)
    today = load_school().school(person.school_id).local(datetime.now(UTC)).date() if person else None
    confirmed = confirm_joiner(store, staff_id=args.staff_id, roles=roles, today=today)
    print(f"confirmed {confirmed.id} ({confirmed.name}) as {', '.join(confirmed.roles)}; start date "
          f"{confirmed.start_date}")
    return 0


def _cmd_staff_reject(args: argparse.Namespace) -> int:
    from bot.staff import reject_joiner

    rejected = reject_joiner(open_synced_store(), staff_id=args.staff_id)
    print(f"rejected {rejected.id} ({rejected.name}): not a member of staff")
    return 0


def _cmd_training_import(args: argparse.Namespace) -> int:
    from bot.reminders.training import load_training_campaign
    from bot.reminders.training_import import import_training

    report = import_training(open_synced_store(), Path(args.file), campaign=load_training_campaign())
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for line in report.recorded:
            print(f"recorded {line}")
        print(f"{len(report.recorded)} completion(s) recorded, {report.closed} due training closed")
        for problem in report.problems:
            print(f"problem: {problem}")
    return 1 if report.problems else 0


def _report_json(report: ReportRecord) -> dict[str, object]:
    """The fixed `reports list --json` object (DESIGN.md)."""
    return {"id": report.reference, "form": report.form_id, "status": report.status,
            "routed_to": list(report.routed_to), "reporter": report.reporter_id,
            "created_at": report.created_at.isoformat(), "urgent": report.urgent}


def _cmd_reports_list(args: argparse.Namespace) -> int:
    from bot.reports import default_desk

    for report in default_desk(open_synced_store()).readable_by(args.as_staff):
        if args.json:
            print(json.dumps(_report_json(report), ensure_ascii=False))
        else:
            urgent = " URGENT" if report.urgent else ""
            print(f"{report.reference:<14} {report.status:<12} {report.form_id}{urgent}")
    return 0


def _cmd_reports_show(args: argparse.Namespace) -> int:
    from bot.channels.console import render
    from bot.reports import default_desk

    desk = default_desk(open_synced_store())
    report = desk.read(args.reference, reader_id=args.as_staff)  # refusal: audited, then a PolicybotError
    if args.json:
        data = {**_report_json(report), "school": report.school_id, "answers": report.answers,
                "summary": [list(f) for f in report.summary], "notes": list(report.notes),
                "outcome": report.outcome, "acknowledged_by": report.acknowledged_by}
        print(json.dumps(data, ensure_ascii=False))
    else:
        print("\n\n".join(render(r) for r in desk.show(report)))
    return 0


def _cmd_reports_export(args: argparse.Namespace) -> int:
    from bot.reports import default_desk

    document = default_desk(open_synced_store()).export(args.reference, reader_id=args.as_staff)
    if args.out:
        Path(args.out).write_text(document, encoding="utf-8")
        print(f"{args.out}: {args.reference.upper()}")
    else:
        sys.stdout.write(document)
    return 0


def _parse_now(text: str | None) -> datetime:
    """`--now`: an ISO date-time; without a zone it is each school's local time (run_due takes it so)."""
    if text is None:
        return datetime.now(UTC)
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise PolicybotError(f"--now {text!r} is not an ISO date-time - e.g. 2026-11-24T10:00") from exc


def _reminders() -> Reminders:
    from bot.reminders import build_reminders
    from bot.school import load_school

    return build_reminders(open_synced_store(), config=load_school())


def _cmd_reminders_run_due(args: argparse.Namespace) -> int:
    for queued in _reminders().run_due(now=_parse_now(args.now)):
        if args.json:
            print(json.dumps(queued.to_json(), ensure_ascii=False))
        else:
            data = queued.to_json()
            print(f"{queued.staff:<16} {queued.kind:<11} {', '.join(data['policies'])}")  # type: ignore[arg-type]
    return 0


def _cmd_compliance(args: argparse.Namespace) -> int:
    from bot.reminders import compliance_rows, write_csv

    rows = compliance_rows(_reminders(), now=_parse_now(args.now), school_id=args.school)
    if args.csv:
        with open(args.csv, "w", encoding="utf-8", newline="") as out:
            write_csv(rows, out)
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{row['school']:<14} {row['policy'] or '(all policies)':<22} {row['acknowledged']:>5}/"
                  f"{row['staff'] if row['scope'] == 'policy' else '':<5} {row['percent']:>5}%")
    return 0


def _cmd_privacy_export(args: argparse.Namespace) -> int:
    from bot.privacy import export_staff

    data = export_staff(open_synced_store(), staff_id=args.staff_id, now=datetime.now(UTC))
    document = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(document, encoding="utf-8")
        print(f"{args.out}: the data held about {args.staff_id}")
    else:
        sys.stdout.write(document)
    return 0


def _cmd_privacy_erase(args: argparse.Namespace) -> int:
    from bot.privacy import erase_staff
    from bot.school import load_school

    result = erase_staff(open_synced_store(), config=load_school(), staff_id=args.staff_id, now=datetime.now(UTC))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    deleted = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in result["deleted"].items() if n)
    print(f"erased {args.staff_id}: deleted {deleted or 'nothing else'}; staff record {result['staff_record']}")
    if result["reports_kept"]:
        print(f"kept (safeguarding records): {', '.join(result['reports_kept'])}")
    return 0


def _cmd_privacy_log(args: argparse.Namespace) -> int:
    with open_synced_store() as store, store.transaction() as tx:
        entries = tx.privacy.entries(subject=args.subject)
    for e in entries:
        data = {"at": e.at.isoformat(), "school": e.school_id, "action": e.action, "subject": e.subject,
                "actor": e.actor_id, "detail": e.detail}
        print(json.dumps(data, ensure_ascii=False) if args.json else f"{data['at']} {e.action:<15} {e.subject:<16} "
              f"{e.detail or ''}")
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from bot.reminders.worker import run_worker

    return run_worker(interval_seconds=args.interval)


def _cmd_serve(args: argparse.Namespace) -> int:
    if args.platform == "slack":
        from bot.channels.slack.server import serve_slack

        return serve_slack(port=args.port)
    from bot.channels.teams.server import serve_teams

    return serve_teams(port=args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policybot", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--policies",
        type=Path,
        default=None,
        help="answer from every policy file in DIR instead of those the school applies",
    )
    parser.add_argument(
        "--school", default=None, help="in a trust: the school id to answer for (default: first)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one question (or --batch FILE) from the policies")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--top", type=int, default=3, help="at most K clauses (default 3)")
    ask.add_argument("--batch", type=Path, help="a file with one question per line")
    ask.set_defaults(handler=_cmd_ask)

    ingest = sub.add_parser("ingest", help="turn a .txt/.md/.pdf/.docx policy into a structured policy file")
    ingest.add_argument("file")
    ingest.add_argument("--id", required=True, help="the policy id, e.g. kaleidoscope-2024")
    ingest.add_argument("--out", help="output folder (default policy_text/)")
    ingest.set_defaults(handler=_cmd_ingest)

    check = sub.add_parser("check", help="validate every YAML file and the school configuration")
    check.set_defaults(handler=_cmd_check)

    chat = sub.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--as", dest="as_staff", default=None, help="the staff id you are (default: the first)")
    chat.set_defaults(handler=_cmd_chat)

    staff = sub.add_parser("staff", help="the staff directory").add_subparsers(
        dest="staff_command", required=True
    )
    listing = staff.add_parser("list", help="one line (or JSON object) per current member of staff")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_cmd_staff_list)
    importing = staff.add_parser("import", help="import a CSV export of the school's MIS")
    importing.add_argument("file")
    importing.add_argument("--json", action="store_true")
    importing.set_defaults(handler=_cmd_staff_import)
    confirming = staff.add_parser("confirm", help="confirm a pending joiner as staff (their induction starts)")
    confirming.add_argument("staff_id")
    confirming.add_argument("--roles", help="comma-separated roles, e.g. teacher,dsl (default: staff)")
    confirming.set_defaults(handler=_cmd_staff_confirm)
    rejecting = staff.add_parser("reject", help="record that a pending joiner is not a member of staff")
    rejecting.add_argument("staff_id")
    rejecting.set_defaults(handler=_cmd_staff_reject)

    training = sub.add_parser("training", help="staff training records").add_subparsers(
        dest="training_command", required=True
    )
    timport = training.add_parser("import", help="record completions from a CSV: staff id or email, training, date")
    timport.add_argument("file")
    timport.add_argument("--json", action="store_true", help="what was recorded, as one JSON object")
    timport.set_defaults(handler=_cmd_training_import)

    reports = sub.add_parser("reports", help="reports you may read").add_subparsers(
        dest="reports_command", required=True
    )
    rlist = reports.add_parser("list", help="one line (or JSON object) per report STAFF_ID may read")
    rlist.add_argument("--as", dest="as_staff", required=True, help="the staff id reading")
    rlist.add_argument("--json", action="store_true")
    rlist.set_defaults(handler=_cmd_reports_list)
    rshow = reports.add_parser("show", help="one report, if STAFF_ID may read it (every view is audited)")
    rshow.add_argument("reference", help="e.g. PC-2026-0042")
    rshow.add_argument("--as", dest="as_staff", required=True, help="the staff id reading")
    rshow.add_argument("--json", action="store_true")
    rshow.set_defaults(handler=_cmd_reports_show)
    rexport = reports.add_parser("export", help="a report as a plain-text document for CPOMS, MyConcern or LADO")
    rexport.add_argument("reference")
    rexport.add_argument("--as", dest="as_staff", required=True, help="the staff id exporting")
    rexport.add_argument("--out", help="write to this file (default: standard output)")
    rexport.set_defaults(handler=_cmd_reports_export)

    reminders = sub.add_parser("reminders", help="policy acknowledgement reminders").add_subparsers(
        dest="reminders_command", required=True
    )
    due = reminders.add_parser("run-due", help="one sweep: queue every reminder due at --now (default: now)")
    due.add_argument("--now", help="ISO date-time; without a zone, the school's local time")
    due.add_argument("--json", action="store_true", help="one JSON object per message queued")
    due.set_defaults(handler=_cmd_reminders_run_due)

    compliance = sub.add_parser("compliance", help="who has acknowledged each policy, per policy and per school")
    compliance.add_argument("--json", action="store_true", help="one JSON object per policy, then per school")
    compliance.add_argument("--csv", help="also write the figures to this CSV file")
    compliance.add_argument("--now", help="the moment whose academic year to report (default: now)")
    compliance.set_defaults(handler=_cmd_compliance)

    serve = sub.add_parser("serve", help="the web process for Slack (/slack/events) or Teams (/api/messages)")
    serve.add_argument("platform", choices=("slack", "teams"))
    serve.add_argument("--port", type=int, default=None, help="default: $PORT, else 3000 (Slack) or 3978 (Teams)")
    serve.set_defaults(handler=_cmd_serve)

    privacy = sub.add_parser("privacy", help="subject access: export or erase a member of staff's data").add_subparsers(
        dest="privacy_command", required=True
    )
    pexport = privacy.add_parser("export", help="everything held about STAFF_ID that they may have, as JSON")
    pexport.add_argument("staff_id")
    pexport.add_argument("--out", help="write to this file (default: standard output)")
    pexport.set_defaults(handler=_cmd_privacy_export)
    perase = privacy.add_parser("erase", help="erase a former member of staff's data, except safeguarding records")
    perase.add_argument("staff_id")
    perase.add_argument("--json", action="store_true")
    perase.set_defaults(handler=_cmd_privacy_erase)
    plog = privacy.add_parser("log", help="reports deleted at the end of retention, and erasures")
    plog.add_argument("--subject", help="only entries about this report reference or staff id")
    plog.add_argument("--json", action="store_true")
    plog.set_defaults(handler=_cmd_privacy_log)

    worker = sub.add_parser("worker", help="the clock process: reminders, report escalation, form nudges")
    worker.add_argument("--interval", type=int, default=60, help="seconds between sweeps (default 60)")
    worker.set_defaults(handler=_cmd_worker)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except PolicybotError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
