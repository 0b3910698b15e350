"""Cold-start import cost of the Lambda handler next to its dependencies, and the client's start-up.

Each figure is the median of ``RUNS`` fresh interpreters: "import (s)" times the ``import``
statement alone inside the child; "process (s)" is the child's whole wall time, interpreter
start-up included; "peak RSS" is the child's own. Nothing here is asserted but that the imports
and ``modelyard --help`` succeed.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
from pathlib import Path

from tests.perf.child import ChildRun, run_measured
from tests.perf.tables import format_table

RUNS = 5
HANDLER = "modelyard_server.handlers.api"
DEPENDENCIES = ("aws_lambda_powertools.event_handler", "pydantic", "pynamodb.models", "boto3", "jwt")
TIMED_IMPORT = """
import sys, time
started = time.perf_counter()
for name in sys.argv[1:]:
    __import__(name)
print(time.perf_counter() - started)
"""


def _env() -> dict[str, str]:
    """What the handler reads at import (it builds its settings and binds the table then)."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        {
            "MODELYARD_TABLE": "modelyard-registry",
            "MODELYARD_BUCKET": "modelyard-artifacts",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_SERVICE_NAME": "modelyard",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    return env


def _median_import(*modules: str) -> tuple[float, float, float]:
    """(import seconds, process seconds, peak RSS MiB), each the median over RUNS children."""
    runs: list[ChildRun] = []
    for _ in range(RUNS):
        run = run_measured([sys.executable, "-c", TIMED_IMPORT, *modules], _env(), timeout=120)
        assert run.returncode == 0, run.stderr
        runs.append(run)
    return (
        statistics.median(float(run.stdout.strip().splitlines()[-1]) for run in runs),
        statistics.median(run.seconds for run in runs),
        statistics.median(run.peak_rss_mib for run in runs),
    )


def _median_command(argv: list[str]) -> tuple[float, float]:
    runs = [run_measured(argv, _env(), timeout=120) for _ in range(RUNS)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert "usage: modelyard" in runs[0].stdout
    return statistics.median(r.seconds for r in runs), statistics.median(r.peak_rss_mib for r in runs)


def _heaviest_packages(module: str, count: int) -> list[tuple[str, float]]:
    """Seconds of `import module` spent in each top-level package's own module bodies
    (``python -X importtime`` self times, summed per package: where the cold start goes)."""
    run = run_measured([sys.executable, "-X", "importtime", "-c", f"import {module}"], _env(), timeout=120)
    assert run.returncode == 0, run.stderr
    spent: dict[str, float] = {}
    for line in run.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if found:
            package = found.group(2).split(".")[0]
            spent[package] = spent.get(package, 0.0) + int(found.group(1)) / 1e6
    return sorted(spent.items(), key=lambda item: -item[1])[:count]


def test_handler_import_time_against_its_dependencies_and_client_start_up() -> None:
    rows: list[tuple[object, ...]] = []
    for label, modules in [
        (f"{HANDLER} (the Lambda handler)", (HANDLER,)),
        ("all five dependencies together", DEPENDENCIES),
        *((name, (name,)) for name in DEPENDENCIES),
    ]:
        imported, process, rss = _median_import(*modules)
        rows.append((label, round(imported * 1000), round(process * 1000), round(rss, 1)))
    handler_ms, dependencies_ms = rows[0][1], rows[1][1]
    assert isinstance(handler_ms, int) and isinstance(dependencies_ms, int)
    rows.insert(2, ("  difference: own code, X-Ray SDK, rest of powertools", handler_ms - dependencies_ms, "-", "-"))

    imported, process, rss = _median_import("modelyard")
    rows.append(("import modelyard (client)", round(imported * 1000), round(process * 1000), round(rss, 1)))
    script = Path(sys.executable).with_name("modelyard")
    help_argv = [str(script), "--help"] if script.exists() else [sys.executable, "-m", "modelyard", "--help"]
    help_seconds, help_rss = _median_command(help_argv)
    rows.append(("modelyard --help (client, whole process)", "-", round(help_seconds * 1000), round(help_rss, 1)))

    headers = ("what", "import (ms)", "process (ms)", "peak RSS (MiB)")
    print(
        format_table(f"Import and start-up, median of {RUNS} fresh interpreters ({os.cpu_count()} CPUs)", headers, rows)
    )
    heaviest = [(name, round(seconds * 1000)) for name, seconds in _heaviest_packages(HANDLER, 10)]
    print(
        format_table(
            f"Where importing {HANDLER} spends its time (-X importtime self times, one run)",
            ("package", "own module bodies (ms)"),
            heaviest,
        )
    )
