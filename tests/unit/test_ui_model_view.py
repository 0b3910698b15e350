"""Which metric columns, chart points and compare choices a model's page offers for a page of versions."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from modelyard_server.domain.model_records import ModelRecord
from modelyard_server.domain.search import ListedVersion
from modelyard_server.domain.version_records import ArtifactRecord
from modelyard_server.ui.model_view import chart_metric, chart_points, compare_choices, metric_columns, page_link

AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _model(**tags: str) -> ModelRecord:
    return ModelRecord(
        name="fraud", description="", tags=tags, owners=[], latest_version=3, created_at=AT, created_by="bob",
        updated_at=AT,
    )  # fmt: skip


def _version(number: int, **metrics: float) -> ListedVersion:
    artifact = ArtifactRecord(sha256="0" * 64, size=1, format="joblib", filename="m", media_type="x", key="k")
    return ListedVersion(
        model="fraud", version=number, uri=f"models:/fraud/{number}", status="ready", artifact=artifact,
        metrics=metrics, created_at=AT, created_by="bob",
    )  # fmt: skip


PAGE = [_version(3, auc=0.9, loss=0.1, f1=0.7, recall=0.6), _version(2, auc=0.8, zeta=1.0), _version(1)]


def test_by_default_the_headline_metric_comes_first_then_others_by_name_up_to_three() -> None:
    assert metric_columns(_model(), PAGE, []).shown == ["auc", "f1", "loss"]
    assert metric_columns(_model(headline_metric="recall"), PAGE, []).shown == ["recall", "auc", "f1"]
    assert metric_columns(_model(headline_metric="absent"), PAGE, [""]).shown == ["auc", "f1", "loss"]


def test_chosen_columns_keep_their_order_once_and_are_offered_even_when_no_version_has_them() -> None:
    columns = metric_columns(_model(), PAGE, ["zeta", "", "auc", "zeta", "gone"])

    assert columns.shown == ["zeta", "auc", "gone"]
    assert columns.offered == ["auc", "f1", "loss", "recall", "zeta", "gone"]
    assert chart_metric("", columns) == "zeta"
    assert chart_metric("loss", columns) == "loss"


def test_chart_points_are_the_finite_values_oldest_first_with_their_holders() -> None:
    versions = [_version(4, auc=math.inf), *PAGE]

    points = chart_points(versions, "auc", {"production": 2, "@champion": 2, "staging": 9})

    assert [(p.version, p.value, p.held_by) for p in points] == [(2, 0.8, ["@champion", "production"]), (3, 0.9, [])]


def test_compare_offers_the_page_s_versions_newest_against_the_one_before() -> None:
    choices = compare_choices("fraud", PAGE)

    assert choices is not None
    assert (choices.head, choices.base) == ("models:/fraud/3", "models:/fraud/2")
    assert [uri for uri, _ in choices.options] == ["models:/fraud/3", "models:/fraud/2", "models:/fraud/1"]
    assert compare_choices("fraud", PAGE[:1]) is None


def test_the_next_page_keeps_the_columns_and_the_chart() -> None:
    link = page_link("marketing/churn", ["auc", "a b"], "loss", "tok")

    assert link == "/ui/models/marketing/churn?column=auc&column=a+b&metric=loss&next_token=tok"
