"""From per-round timings to the figures the MLflow comparison prints: ops/s, ratio, cost growth."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import fmean

Samples = Mapping[str, Sequence[float]]


def ops_per_second(seconds: Sequence[float]) -> float:
    return len(seconds) / sum(seconds)


def tenths_ms(seconds: Sequence[float]) -> tuple[float, float]:
    """Mean milliseconds per operation over the first and over the last tenth of the rounds."""
    tenth = max(1, len(seconds) // 10)
    return fmean(seconds[:tenth]) * 1000, fmean(seconds[-tenth:]) * 1000


def growth(seconds: Sequence[float]) -> float:
    """Last tenth / first tenth: 1.0 is a cost that does not grow with the versions held."""
    first, last = tenths_ms(seconds)
    return last / first


def comparison_rows(
    operations: Sequence[str], mlflow: Samples, modelyard: Samples, versions: int
) -> list[list[object]]:
    """One row per operation over the first ``versions`` rounds of both runs."""
    rows: list[list[object]] = []
    for operation in operations:
        theirs, ours = mlflow[operation][:versions], modelyard[operation][:versions]
        theirs_ops, ours_ops = ops_per_second(theirs), ops_per_second(ours)
        rows.append(
            [
                operation,
                round(theirs_ops, 1),
                round(ours_ops, 1),
                round(ours_ops / theirs_ops, 2),
                _tenths(theirs),
                round(growth(theirs), 2),
                _tenths(ours),
                round(growth(ours), 2),
            ]
        )
    return rows


COMPARISON_HEADERS = (
    "operation",
    "MLflow ops/s",
    "modelyard ops/s",
    "modelyard / MLflow",
    "MLflow ms, first → last tenth",
    "MLflow growth",
    "modelyard ms, first → last tenth",
    "modelyard growth",
)


def _tenths(seconds: Sequence[float]) -> str:
    first, last = tenths_ms(seconds)
    return f"{first:.1f} → {last:.1f}"
