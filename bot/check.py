"""`policybot check`: validate every configuration file and report each problem as file:line.

Each file is checked on its own, so one mistake does not hide the next; the exit status is
non-zero when anything is wrong, so a deployment can run it before it starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot import paths
from bot.errors import PolicybotError


def _checks() -> list[tuple[str, Callable[[], str]]]:
    from bot.answer.build import build_engine
    from bot.answer.intents import load_intents
    from bot.answer.messages import Messages
    from bot.answer.risk import RiskRules
    from bot.answer.text import Vocabulary
    from bot.policies.loader import load_policies
    from bot.school import load_school
    from bot.topics import TopicTagger

    intents = paths.intents_dir()

    def school() -> str:
        config = load_school()
        staff = sum(len(s.staff) for s in config.schools)
        for warning in config.warnings:
            print(f"warning: {warning}")
        return f"{len(config.schools)} school(s), {staff} staff"

    def policies() -> str:
        loaded = load_policies(paths.policy_dir())
        config = load_school()
        known = {p.id for p in loaded}
        missing = [p for p in config.all_policy_ids() if p not in known]
        if missing:
            raise PolicybotError(
                f"{config.source}: applies policies that are not in {paths.policy_dir()}: "
                f"{', '.join(missing)} - ingest them or fix the ids"
            )
        return f"{len(loaded)} policies, {sum(len(p.clauses) for p in loaded)} clauses"

    def topics() -> str:
        return f"{len(TopicTagger.load(intents / 'topics.yaml').topic_ids)} topics"

    def questions() -> str:
        ids = frozenset(TopicTagger.load(intents / "topics.yaml").topic_ids)
        return f"{len(load_intents(intents / 'questions', known_topics=ids))} intents"

    def forms() -> str:
        from bot.forms import load_forms

        return f"{len(load_forms().forms)} report forms"

    def routing() -> str:
        from bot.reports.messages import load_report_messages
        from bot.reports.routing import load_routing

        load_report_messages()
        rules, config = load_routing(), load_school()
        for each in config.schools:  # a school's own rules may name notes only routing.yaml defines
            rules.for_school(config.routing_for(each.id))
        return f"{len(rules.forms)} routed forms"

    def engine() -> str:
        build_engine()
        return "answer engine builds"

    def campaigns() -> str:
        from bot.reminders.campaigns import campaigns_dir
        from bot.reminders.checks import check_campaigns

        names = check_campaigns(policies=load_policies(paths.policy_dir()), out_warning=print)
        return f"{len(names)} campaign files in {campaigns_dir()}"

    def channel_words() -> str:
        from bot.channels.teams.messages import load_teams_messages  # no botbuilder import: check stays light
        from bot.core.channel_messages import load_channel_messages

        load_channel_messages()
        load_teams_messages()
        return "ok"

    return [
        ("school file", school),
        ("policies", policies),
        ("topics", topics),
        ("vocabulary", lambda: (Vocabulary.load(intents / "vocabulary.yaml"), "ok")[1]),
        ("risk rules", lambda: (RiskRules.load(intents / "risk.yaml"), "ok")[1]),
        ("messages", lambda: (Messages.load(intents / "messages.yaml"), "ok")[1]),
        ("intents", questions),
        ("report forms", forms),
        ("routing and report messages", routing),
        ("engine", engine),
        ("reminder campaigns", campaigns),
        ("channel words (Slack, Teams, home)", channel_words),
    ]


def run_checks(*, out: TextIO) -> int:
    """Run every check, print one line each; 0 when all pass, 1 otherwise."""
    failed = 0
    for name, check in _checks():
        try:
            summary = check()
        except PolicybotError as exc:
            failed += 1
            out.write(f"FAIL {name}: {exc}\n")
        else:
            out.write(f"ok   {name}: {summary}\n")
    out.write("all checks passed\n" if not failed else f"{failed} check(s) failed\n")
    return 1 if failed else 0
