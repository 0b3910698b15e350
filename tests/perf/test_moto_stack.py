"""The registry on the moto stack (``modelyard dev --backend moto``), before and after the local stack's moto patches.

Each variant runs in its own child process (``tests/perf/moto_stack_workload.py``): a
``LocalStack(backend="moto")`` with API, moto and SDK in that process, so its peak RSS is the
stack's. *Unpatched* is moto's own TransactWriteItems (a deep copy of the whole table, stream
records included, per transaction) and instance tracking; *patched* is what the local stack runs.
Figures are printed; the test asserts only that both runs completed their workload.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.perf.child import ChildRun, run_measured
from tests.perf.tables import format_table

REPO = Path(__file__).resolve().parents[2]
# `make bench` runs the full 200; the suite a smaller count (the unpatched side is quadratic).
VERSIONS = int(os.environ.get("MODELYARD_BENCH_MOTO_VERSIONS", "") or "60")


def _workload(unpatched: bool) -> tuple[dict[str, float], ChildRun]:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "TMPDIR", "LANG") if name in os.environ}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "actions")])
    argv = [sys.executable, "-m", "tests.perf.moto_stack_workload", str(VERSIONS)]
    run = run_measured([*argv, "--unpatched"] if unpatched else argv, env, timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1]), run


def test_moto_stack_before_and_after_the_transaction_patch() -> None:
    before, before_run = _workload(unpatched=True)
    after, after_run = _workload(unpatched=False)
    assert before["versions"] == after["versions"] == VERSIONS

    def row(label: str, key: str, digits: int = 1) -> list[object]:
        old, new = before[key], after[key]
        return [label, round(old, digits), round(new, digits), round(new / old, 2) if old else "-"]

    rows = [
        row("register a version (ops/s)", "register_ops_per_s"),
        row("  first tenth (ms/op)", "register_first_tenth_ms", 0),
        row("  last tenth (ms/op)", "register_last_tenth_ms", 0),
        ["  last tenth / first tenth", *_ratios(before, after)],
        row("  moto TransactWriteItems, last 10 (ms)", "transact_ms_last"),
        row("set alias (ops/s)", "set_alias_ops_per_s"),
        row("list a page of 100 versions (ops/s)", "list_page_ops_per_s"),
        row("  moto Query per page (ms)", "query_ms_per_page"),
        row("RSS with the stack idle (MiB)", "rss_idle_mib", 0),
        row(f"RSS after {VERSIONS} registrations (MiB)", "rss_registered_mib", 0),
        ["peak RSS (MiB)", round(before_run.peak_rss_mib), round(after_run.peak_rss_mib), ""],
        ["wall time of the run (s)", round(before_run.seconds, 1), round(after_run.seconds, 1), ""],
    ]
    print(
        format_table(
            f"moto stack, {VERSIONS} versions registered one after the other (SDK over HTTP, one process)",
            ["", "unpatched", "patched", "patched / unpatched"],
            rows,
        )
    )


def _ratios(before: dict[str, float], after: dict[str, float]) -> list[object]:
    def ratio(figures: dict[str, float]) -> float:
        return round(figures["register_last_tenth_ms"] / figures["register_first_tenth_ms"], 2)

    return [ratio(before), ratio(after), ""]
