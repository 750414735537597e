"""Keeping the garbage collector off what a web process builds once, at start-up.

A web process loads the answer engine, the policies, the forms and its libraries before serving: some 160,000
objects that live as long as it does. Python's collector walks every one of them in each full collection, and
under load (benchmarks/load_bench.py, Teams at 200 messages/s) such a collection came every few thousand
messages and held the process for about 100 ms, delaying every message in flight. `gc.freeze` moves what exists
now out of the collector's sight: the full collections seen under the same load then took 7-8 ms.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect what start-up left behind, then freeze the rest: call once everything long-lived is built, just
    before serving."""
    gc.collect()
    gc.freeze()
