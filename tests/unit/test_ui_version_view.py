"""The version page's view helpers: which events concern a version and how they read, which parent the
compare link takes, what the page says of a version's status."""

from __future__ import annotations

from datetime import UTC, datetime

from modelyard_server.domain.audit import concerns
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.lineage_tree import AncestorNode, LineageTree
from modelyard_server.domain.resolution import summarize
from modelyard_server.domain.version_records import ArtifactRecord, Lineage, VersionRecord
from modelyard_server.ui import links, version_view
from modelyard_server.ui.formatting import NOTHING

AT = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


def _version(number: int = 3, status: str = "ready", parents: tuple[str, ...] = ()) -> VersionRecord:
    return VersionRecord(
        model="fraud",
        version=number,
        uri=f"models:/fraud/{number}",
        status=status,  # type: ignore[arg-type]
        artifact=ArtifactRecord(
            sha256="a" * 64, size=1, format="onnx", filename="m.onnx", media_type="application/octet-stream", key="k"
        ),
        lineage=Lineage(parents=list(parents)),
        created_at=AT,
        created_by="dev",
    )


def _event(event_type: str, version: int | None, **fields: object) -> EventRecord:
    return EventRecord(id="01", type=event_type, model="fraud", version=version, at=AT, actor="acme/fraud", **fields)  # type: ignore[arg-type]


def _tree(version: VersionRecord, *parents: tuple[str, str | None]) -> LineageTree:
    nodes = [
        AncestorNode(uri=uri, model=uri.removeprefix("models:/").rsplit("/", 1)[0], version=1, status=status)  # type: ignore[arg-type]
        for uri, status in parents
    ]
    return LineageTree(version=summarize(version), depth=3, ancestors=nodes, descendants=[], truncated=False)


def test_an_event_concerns_the_version_it_names_or_the_one_a_pointer_left() -> None:
    moved_off = _event("model.version.promoted", 4, before={"version": 3}, after={"version": 4})
    assert concerns(_event("model.version.ready", 3), 3)
    assert concerns(moved_off, 3) and concerns(moved_off, 4)
    assert not concerns(_event("model.version.ready", 4), 3)
    assert not concerns(_event("model.updated", None, before={"description": "x"}), 3)


def test_an_event_reads_as_what_changed_who_did_it_and_why_newest_first() -> None:
    archived = _event(
        "model.version.archived",
        3,
        before={"status": "ready"},
        after={"status": "archived"},
        detail={"reason": "leaks labels", "login": "dave"},
        run_url="javascript:alert(1)",
    )
    registered = _event(
        "model.version.registered",
        3,
        after={"sha256": "b" * 64, "size": 7},
        repository="acme/fraud",
        run_url="https://github.com/acme/fraud/actions/runs/1",
    )

    rows = version_view.event_rows([registered, archived])

    assert [row.action for row in rows] == ["version.archived", "version.registered"]
    assert (rows[0].who, rows[0].change, rows[0].note, rows[0].run_link) == (
        "dave",
        "status: ready → archived",
        "leaks labels",
        None,
    )
    assert rows[1].change == f"sha256: {NOTHING} → sha256:bbbbbbbb…; size: {NOTHING} → 7"
    assert rows[1].run_link == "https://github.com/acme/fraud/actions/runs/1"


def test_compare_with_parent_takes_a_parent_of_the_same_model_that_could_be_read() -> None:
    version = _version(parents=("models:/features/1", "models:/fraud/2"))
    tree = _tree(version, ("models:/features/1", "ready"), ("models:/fraud/2", "ready"))
    unreadable = _tree(version, ("models:/fraud/2", None))

    assert version_view.parent_link(version, tree) == links.compare("models:/fraud/2", "models:/fraud/3")
    assert version_view.parent_link(version, _tree(version, ("models:/features/1", "ready"))) == links.compare(
        "models:/features/1", "models:/fraud/3"
    )
    assert version_view.parent_link(version, unreadable) is None
    assert version_view.parent_link(_version(), _tree(_version())) is None


def test_a_version_not_fit_to_deploy_is_said_so_and_only_verified_bytes_are_offered() -> None:
    assert version_view.warning(_version(status="ready")) is None
    assert "archived" in (version_view.warning(_version(status="archived")) or "")
    assert version_view.downloadable(_version(status="archived"))
    for unverified in ("pending_upload", "verifying", "rejected", "abandoned"):
        assert not version_view.downloadable(_version(status=unverified)), unverified


def test_parameters_read_as_registered() -> None:
    assert [version_view.param_text(value) for value in ("adam", 6, 0.1, True)] == ["adam", "6", "0.1", "true"]
