"""Structured policies: the clauses every answer quotes."""

from bot.policies.model import Clause, Policy

__all__ = ["Clause", "Policy"]
