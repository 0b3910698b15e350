"""Cold-start import cost of each Lambda handler next to its own dependencies, and the client's start-up.

Each figure is the median of ``RUNS`` fresh interpreters: "import (s)" times the ``import``
statement alone inside the child; "import CPU" is the CPU time the child spent on it (other jobs on a
shared machine stretch wall time, not CPU time, so the CPU ratios move less between runs); "process
(s)" is the child's whole wall time, interpreter start-up included; "peak RSS" is the child's own. A
handler and its dependencies are imported in children taking turns, so load on the machine falls on
all alike, and the ratio of their medians is the figure to watch (the target is at most 1.25).
Nothing here is asserted but that the imports and ``modelyard --help`` succeed.

``MODELYARD_BENCH_BEFORE`` (a folder holding another tree's ``modelyard_server``, e.g. after
``git archive <commit> lambdas | tar -x -C /tmp/before``, ``/tmp/before/lambdas``) also imports each handler
from that tree in the same rounds and prints a before/after table.
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
PACKAGE = "modelyard_server.handlers"
# Each Lambda function's handler module (infra/template.yaml) and the third-party modules its work needs.
HANDLER_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "api": ("aws_lambda_powertools.event_handler", "pydantic", "pynamodb.models", "boto3", "jwt"),
    "gate": ("aws_lambda_powertools.event_handler", "pydantic", "pynamodb.models", "boto3", "jwt"),
    "events": (
        "aws_lambda_powertools.utilities.batch",
        "aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event",
        "pydantic",
        "boto3",
    ),
    "notify": ("aws_lambda_powertools", "pydantic", "pynamodb.models", "boto3"),
}
# What those dependencies load once used, beyond their bare import: `import pydantic` is a lazy stub until
# a model is defined (pydantic.main), and a resolver with enable_validation loads powertools' validation.
# The second ratio is against this, so what it shows above 1 is the handlers' own code.
_VALIDATION = "aws_lambda_powertools.event_handler.middlewares.openapi_validation"
MACHINERY_IN_USE: dict[str, tuple[str, ...]] = {
    "api": ("pydantic.main", _VALIDATION),
    "gate": ("pydantic.main", _VALIDATION),
    "events": ("pydantic.main",),
    "notify": ("pydantic.main",),
}
TIMED_IMPORT = """
import sys, time
started, cpu = time.perf_counter(), time.process_time()
for name in sys.argv[1:]:
    __import__(name)
print(time.perf_counter() - started, time.process_time() - cpu)
"""


def _env() -> dict[str, str]:
    """What the handlers read at import (they build their settings and bind the table then)."""
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


def _import_once(modules: tuple[str, ...], code: str | None = None) -> ChildRun:
    env = _env() if code is None else {**_env(), "PYTHONPATH": code}
    run = run_measured([sys.executable, "-c", TIMED_IMPORT, *modules], env, timeout=120)
    assert run.returncode == 0, run.stderr
    return run


def _medians(runs: list[ChildRun]) -> tuple[float, float, float, float]:
    """(import seconds, process seconds, peak RSS MiB, import CPU seconds), each the median over the runs."""
    timed = [[float(figure) for figure in run.stdout.strip().splitlines()[-1].split()] for run in runs]
    return (
        statistics.median(wall for wall, _ in timed),
        statistics.median(run.seconds for run in runs),
        statistics.median(run.peak_rss_mib for run in runs),
        statistics.median(cpu for _, cpu in timed),
    )


def _median_import(*modules: str) -> tuple[float, float, float, float]:
    return _medians([_import_once(modules) for _ in range(RUNS)])


def _median_rounds(*candidates: tuple[str, ...], before: str | None = None) -> list[tuple[float, float, float, float]]:
    """Medians of each candidate, imported in turn in each of RUNS rounds (load falls on all alike); with
    `before`, the first candidate again from that tree, last."""
    trees: list[tuple[tuple[str, ...], str | None]] = [(modules, None) for modules in candidates]
    trees += [(candidates[0], before)] if before else []
    runs: list[list[ChildRun]] = [[] for _ in trees]
    for _ in range(RUNS):
        for (modules, code), kept in zip(trees, runs, strict=True):
            kept.append(_import_once(modules, code))
    return [_medians(kept) for kept in runs]


def _median_command(argv: list[str]) -> tuple[float, float]:
    runs = [run_measured(argv, _env(), timeout=120) for _ in range(RUNS)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert "usage: modelyard" in runs[0].stdout
    return statistics.median(r.seconds for r in runs), statistics.median(r.peak_rss_mib for r in runs)


def _self_times(modules: tuple[str, ...]) -> dict[str, float]:
    """Seconds each module's own body took while importing `modules` (one ``-X importtime`` run)."""
    source = "; ".join(f"import {name}" for name in modules)
    run = run_measured([sys.executable, "-X", "importtime", "-c", source], _env(), timeout=120)
    assert run.returncode == 0, run.stderr
    spent: dict[str, float] = {}
    for line in run.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if found:
            spent[found.group(2)] = int(found.group(1)) / 1e6
    return spent


def _beyond_dependencies(handler: str, dependencies: tuple[str, ...], count: int) -> list[tuple[str, int]]:
    """Where a handler's import goes beyond its dependencies': self times of the modules only it loads,
    summed per package (the handler's own code per module)."""
    own = _self_times((handler,))
    theirs = _self_times(dependencies)
    spent: dict[str, float] = {}
    for module, seconds in own.items():
        if module not in theirs:
            parts = module.split(".")
            package = ".".join(parts[:3]) if parts[0] in ("modelyard_server", "aws_lambda_powertools") else parts[0]
            spent[package] = spent.get(package, 0.0) + seconds
    heaviest = sorted(spent.items(), key=lambda item: -item[1])[:count]
    return [(package, round(seconds * 1000)) for package, seconds in heaviest]


BEFORE_AFTER_HEADERS = (
    "handler",
    "import ms before → after",
    "CPU ms before → after",
    "dependencies ms (CPU)",
    "in use ms (CPU)",
    "ratio",
    "CPU ratio",
    "ratio in use",
    "CPU ratio in use",
)
Medians = tuple[float, float, float, float]


def _before_and_after(name: str, earlier: Medians, now: Medians, theirs: Medians, used: Medians) -> tuple[str, ...]:
    def ratios(reference: Medians, figure: int) -> str:
        return f"{earlier[figure] / reference[figure]:.2f} → {now[figure] / reference[figure]:.2f}"

    return (
        f"handlers.{name}",
        f"{earlier[0] * 1000:.0f} → {now[0] * 1000:.0f}",
        f"{earlier[3] * 1000:.0f} → {now[3] * 1000:.0f}",
        f"{theirs[0] * 1000:.0f} ({theirs[3] * 1000:.0f})",
        f"{used[0] * 1000:.0f} ({used[3] * 1000:.0f})",
        ratios(theirs, 0),
        ratios(theirs, 3),
        ratios(used, 0),
        ratios(used, 3),
    )


def test_handler_import_time_against_its_dependencies_and_client_start_up() -> None:
    before = os.environ.get("MODELYARD_BENCH_BEFORE")
    rows: list[tuple[object, ...]] = []
    compared: list[tuple[object, ...]] = []
    for name, dependencies in HANDLER_DEPENDENCIES.items():
        in_use = dependencies + MACHINERY_IN_USE[name]
        handler, theirs, used, *earlier = _median_rounds((f"{PACKAGE}.{name}",), dependencies, in_use, before=before)
        if earlier:
            compared.append(_before_and_after(name, earlier[0], handler, theirs, used))
        rows.append(
            (
                f"handlers.{name}",
                round(handler[0] * 1000),
                round(theirs[0] * 1000),
                f"{handler[0] / theirs[0]:.2f}",
                round(used[0] * 1000),
                f"{handler[0] / used[0]:.2f}",
                round(handler[3] * 1000),
                f"{handler[3] / theirs[3]:.2f}",
                f"{handler[3] / used[3]:.2f}",
                round(handler[1] * 1000),
                round(handler[2], 1),
            )
        )
    headers = (
        "handler",
        "import (ms)",
        "its dependencies (ms)",
        "ratio",
        "dependencies in use (ms)",
        "ratio in use",
        "import CPU (ms)",
        "CPU ratio",
        "CPU ratio in use",
        "process (ms)",
        "peak RSS (MiB)",
    )
    title = (
        f"Lambda handlers against their own dependencies, median of {RUNS} fresh interpreters each, "
        f"in turn ({os.cpu_count()} CPUs)"
    )
    print(format_table(title, headers, rows))
    if before:
        print(format_table(f"Before ({before}) and after, same rounds", BEFORE_AFTER_HEADERS, compared))
    print(
        format_table(
            "Dependencies per handler (in use: plus the second list)",
            ("handler", "dependencies", "loaded once used"),
            [
                (name, ", ".join(dependencies), ", ".join(MACHINERY_IN_USE[name]))
                for name, dependencies in HANDLER_DEPENDENCIES.items()
            ],
        )
    )

    singles: list[tuple[object, ...]] = []
    for name in sorted({module for modules in HANDLER_DEPENDENCIES.values() for module in modules}):
        imported, process, rss, _ = _median_import(name)
        singles.append((name, round(imported * 1000), round(process * 1000), round(rss, 1)))
    imported, process, rss, _ = _median_import("modelyard")
    singles.append(("import modelyard (client)", round(imported * 1000), round(process * 1000), round(rss, 1)))
    script = Path(sys.executable).with_name("modelyard")
    help_argv = [str(script), "--help"] if script.exists() else [sys.executable, "-m", "modelyard", "--help"]
    help_seconds, help_rss = _median_command(help_argv)
    singles.append(("modelyard --help (client, whole process)", "-", round(help_seconds * 1000), round(help_rss, 1)))
    print(
        format_table(
            f"Each dependency alone, and the client, median of {RUNS} fresh interpreters",
            ("what", "import (ms)", "process (ms)", "peak RSS (MiB)"),
            singles,
        )
    )

    for name, dependencies in HANDLER_DEPENDENCIES.items():
        print(
            format_table(
                f"What importing handlers.{name} loads beyond its dependencies (-X importtime self times, one run)",
                ("package", "own module bodies (ms)"),
                _beyond_dependencies(f"{PACKAGE}.{name}", dependencies, 8),
            )
        )
