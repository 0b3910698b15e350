"""The version page, /ui/models/<name>/versions/<n>, in-process on the embedded backend.

What a person signed in to the registry sees of a version: its artifact and download, metadata, model card,
lineage, validation, reviews and events; hostile metadata rendered inert; the refusals a page gives (404,
a private namespace, an unknown query parameter); and storage reads that do not grow with the model.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from modelyard_local.issuer import LocalIssuer
from modelyard_server.ui import links
from modelyard_server.ui.formatting import NOTHING
from tests.support.api_events import ApiResponse
from tests.support.embedded_api import EmbeddedApi, embedded_api
from tests.support.markup_inspection import ParsedMarkup, parse_markup, scheme_of
from tests.support.page_calls import page_call

OWNER, ADMIN = "acme/fraud", "acme/platform"
REVIEWER, READER = 5151, 6262  # GitHub user ids
SAFE_SCHEMES = {None, "http", "https", "mailto"}


@pytest.fixture
def api(issuer: LocalIssuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedApi]:
    """An embedded registry whose people sign in with sessions it signed itself (no GitHub needed)."""
    with embedded_api(monkeypatch, issuer, tmp_path / "data", MODELYARD_ADMIN_REPOSITORIES=ADMIN) as running:
        yield running


def _page(api: EmbeddedApi, path: str, person: str | None, query: dict[str, str] | None = None) -> ApiResponse:
    """A browser's GET of a page, with the session cookie of `person` (a session token)."""
    return page_call(person, "GET", path, query=query)


def _reader(api: EmbeddedApi) -> str:
    return api.person(READER, "rita")


def _register(api: EmbeddedApi, model: str, data: bytes, **fields: Any) -> int:
    owner = api.workflow(OWNER)
    artifact = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "format": "onnx", "filename": "m.onnx"}
    answer = api.ok("POST", f"/v1/models/{model}/versions", owner, body={"artifact": artifact, **fields})
    from modelyard_server.ports import backend

    backend().blobs.files.blob_path(answer["version"]["artifact"]["key"]).write_bytes(data)  # type: ignore[attr-defined]
    number = int(answer["version"]["version"])
    api.ok("POST", f"/v1/models/{model}/versions/{number}/complete", owner, body={})
    return number


def _fraud_with_history(api: EmbeddedApi) -> None:
    """fraud v1 (the parent), v2 (validated, reviewed, champion), v3 (made from v2)."""
    admin = api.workflow(ADMIN)
    policy = {"gates": {"thresholds": [{"metric": "auc", "min": 0.8}, {"metric": "recall", "min": 0.9}]}}
    api.ok("PUT", "/v1/policy", admin, body={"document": policy, "expected_revision": 0})
    api.ok("POST", "/v1/roles", admin, body={"role": "reviewer", "scope": "*", "person": str(REVIEWER)})
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "fraud"})
    _register(api, "fraud", b"first", metrics={"auc": 0.81})
    _register(
        api,
        "fraud",
        b"second",
        framework="sklearn",
        semver="1.2.0",
        description="Scores *card* payments.",
        params={"max_depth": 6, "loss": "log_loss", "calibrated": True},
        metrics={"auc": 0.93412, "recall": 0.5},
        tags={"team": "risk"},
        signature={
            "inputs": [{"name": "amount", "type": "float64", "shape": [None, 1]}],
            "outputs": [{"name": "fraud_probability", "type": "float32"}],
        },
        model_card="# Fraud scorer\n\nTrained on **2026-Q3** card data. See [the report](https://example.com/r).",
        lineage={
            "data_uri": "s3://acme-data/fraud/2026q3",
            "data_version": "2026q3",
            "data_digest": "sha256:" + "d" * 64,
            "parents": ["models:/fraud/1"],
        },
    )
    _register(api, "fraud", b"third", lineage={"parents": ["models:/fraud/2"]})
    owner = api.workflow(OWNER)
    api.ok("POST", "/v1/models/fraud/versions/2/validations", owner, body={})
    reviewer = api.person(REVIEWER, "rev")
    api.ok("POST", "/v1/models/fraud/versions/2/reviews", reviewer, body={"verdict": "approve", "comment": "LGTM"})
    api.ok("PUT", "/v1/models/fraud/aliases/champion", owner, body={"version": 2})


def _cells(page: ParsedMarkup) -> list[list[str]]:
    """Every table row of the page as the texts of its cells (whitespace collapsed)."""
    rows: list[list[str]] = []
    for element in page.elements:
        if element.tag == "tr":
            rows.append([])
        elif element.tag in ("th", "td") and rows:
            rows[-1].append(" ".join(element.text.split()))
    return rows


def _table_rows(page: ParsedMarkup, first_cell: str) -> list[list[str]]:
    return [row for row in _cells(page) if row and row[0] == first_cell]


def test_a_version_page_shows_its_artifact_metadata_card_lineage_validation_reviews_and_events(
    api: EmbeddedApi,
) -> None:
    _fraud_with_history(api)

    answer = _page(api, links.version("fraud", 2), _reader(api))

    assert answer.status == 200, answer.raw[:2000]
    assert answer.headers["Content-Type"].startswith("text/html")
    page = parse_markup(answer.raw)
    text = " ".join(page.text.split())
    assert page.with_tag("h1")[0].text.split() == ["fraud", "version", "2", "(1.2.0)", "ready"]
    digest = hashlib.sha256(b"second").hexdigest()
    assert f"sha256:{digest}" in [code.text for code in page.with_tag("code")]
    assert f"sha256:{digest[:8]}…" in text
    assert "6 B" in text and "onnx" in text and "m.onnx" in text and "sklearn" in text
    assert links.download("fraud", 2) in page.hrefs()
    # metrics, params, signature and tags
    assert _table_rows(page, "auc") == [["auc", "0.9341"]]
    assert _table_rows(page, "max_depth") == [["max_depth", "6"]]
    assert _table_rows(page, "calibrated") == [["calibrated", "true"]]
    assert _table_rows(page, "amount") == [["amount", "float64", "[?, 1]"]]
    assert _table_rows(page, "fraud_probability") == [["fraud_probability", "float32", NOTHING]]
    assert "team=risk" in text
    assert "alias champion" in text
    # the model card as markdown, inside its section
    card = page.with_class("model-card")[0]
    assert "Fraud scorer" in card.text and "2026-Q3" in card.text
    assert "https://example.com/r" in page.hrefs()
    assert [strong.text for strong in page.with_tag("strong") if strong.text == "2026-Q3"] == ["2026-Q3"]
    # lineage both ways, each version a link to its page, the data it was made from
    assert links.version("fraud", 1) in page.hrefs()
    assert links.version("fraud", 3) in page.hrefs()
    assert "version 2026q3" in text and "s3://acme-data/fraud/2026q3" in text
    assert links.compare("models:/fraud/1", "models:/fraud/2") in page.hrefs()
    # the validation report's gates
    assert "Failed" in text
    assert _table_rows(page, "auc >= 0.8") == [["auc >= 0.8", "threshold", ">= 0.8", "0.93412", "pass", ""]]
    assert _table_rows(page, "recall >= 0.9") == [["recall >= 0.9", "threshold", ">= 0.9", "0.5", "fail", ""]]
    # the reviewer's sign-off
    [(who, decision, comment, _)] = _table_rows(page, "rev")
    assert (who, decision, comment) == ("rev", "approved", "LGTM")
    # its events: registered, ready, validated, reviewed, alias set; none of v1's or v3's
    events = page.with_tag("tbody")[-1].text
    for action in ("version.registered", "version.ready", "reviewed", "alias"):
        assert action in events, events
    assert events.count("version.registered") == 1


def test_a_version_with_nothing_but_its_artifact_still_reads_well(api: EmbeddedApi) -> None:
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "bare"})
    _register(api, "bare", b"bytes")

    answer = _page(api, links.version("bare", 1), _reader(api))

    assert answer.status == 200, answer.raw[:2000]
    text = " ".join(parse_markup(answer.raw).text.split())
    for shown in ("No metrics recorded", "No model card", "Not validated yet", "No reviews yet", "No parent versions"):
        assert shown in text
    assert "Compare with parent" not in text


def test_an_archived_version_says_so_at_the_top_with_its_reason(api: EmbeddedApi) -> None:
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "fraud"})
    _register(api, "fraud", b"old")
    body = {"status": "archived", "reason": "leaks labels"}
    api.ok("POST", "/v1/models/fraud/versions/1/archive", api.workflow(OWNER), body=body)

    page = parse_markup(_page(api, links.version("fraud", 1), _reader(api)).raw)

    notice = page.with_class("warning")[0]
    assert "archived" in notice.text and "leaks labels" in notice.text
    assert page.elements.index(notice) < page.elements.index(page.with_tag("h2")[0])  # before every section
    assert links.download("fraud", 1) in page.hrefs()  # archived bytes stay downloadable


def test_a_hostile_version_renders_inert(api: EmbeddedApi) -> None:
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "fraud"})
    card = "\n\n".join(
        [
            "<script>alert(1)</script>",
            "[click](javascript:alert(1)) and <javascript:alert(2)> and [ref][x]",
            "[x]: jav&#x61;script:alert(3)",
            "![tracker](https://evil.example/pixel.png) ![local](/ui/static/x.png)",
            '<img src=x onerror="alert(4)"><iframe src="https://evil.example"></iframe><style>body{}</style>',
            '[title](https://ok.example "x\\" onmouseover=\\"alert(5)")',
            "<svg onload=alert(6)></svg><!-- hidden -->",
        ]
    )
    _register(
        api,
        "fraud",
        b"hostile",
        description='<b onclick="alert(7)">bold</b> [x](javascript:alert(8))',
        model_card=card,
        params={"<script>alert(9)</script>": '"><script>alert(10)</script>'},
        metrics={"<img src=x onerror=alert(11)>": 1.0},
        tags={"x": "<script>alert(12)</script>"},
        framework="<script>alert(13)</script>",
        lineage={"data_uri": "javascript://x%0Aalert(14)", "data_version": '"><script>alert(15)</script>'},
    )

    answer = _page(api, links.version("fraud", 1), _reader(api))

    assert answer.status == 200, answer.raw[:2000]
    page = parse_markup(answer.raw)
    assert page.tags() & {"script", "img", "iframe", "style", "svg", "object", "embed"} == set()
    handlers = [(e.tag, name) for e in page.elements for name in e.attrs if name.lower().startswith("on")]
    assert handlers == []
    anchors = [a.attrs.get("href") or "" for a in page.with_tag("a")]
    assert [href for href in anchors if scheme_of(href) not in SAFE_SCHEMES] == []
    assert "style" not in {name for e in page.elements for name in e.attrs}
    assert page.comments == ["doctype html"]  # the page's own; the card's comment is text
    # the hostile text is shown, as text
    assert "<script>alert(10)</script>" in page.text
    assert "<script>alert(1)</script>" in page.text
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_the_download_link_sends_the_browser_where_the_api_sends_a_client(api: EmbeddedApi) -> None:
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "fraud"})
    _register(api, "fraud", b"model bytes")

    answer = _page(api, links.download("fraud", 1), _reader(api))
    given = api.ok("GET", "/v1/models/fraud/versions/1/download", api.workflow(OWNER))

    assert answer.status == 303
    location, expected = urlsplit(answer.headers["Location"]), urlsplit(given["url"])
    assert (location.scheme, location.netloc, location.path) == (expected.scheme, expected.netloc, expected.path)
    assert parse_qs(location.query)["filename"] == parse_qs(expected.query)["filename"] == ["m.onnx"]


def test_a_version_without_its_bytes_has_no_download(api: EmbeddedApi) -> None:
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "fraud"})
    api.register("fraud", b"never sent", api.workflow(OWNER), store=False)

    page = _page(api, links.version("fraud", 1), _reader(api))
    download = _page(api, links.download("fraud", 1), _reader(api))

    assert page.status == 200
    assert links.download("fraud", 1) not in parse_markup(page.raw).hrefs()
    assert "waiting for its artifact" in page.raw
    assert download.status == 409
    assert download.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/ui/models/fraud/versions/7", "/ui/models/ghost/versions/1"])
def test_a_version_that_does_not_exist_is_a_404_page(api: EmbeddedApi, path: str) -> None:
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "fraud"})
    _register(api, "fraud", b"one")

    answer = _page(api, path, _reader(api))
    download = _page(api, path + "/download", _reader(api))

    assert (answer.status, download.status) == (404, 404)
    assert answer.headers["Content-Type"].startswith("text/html")
    assert parse_markup(answer.raw).with_tag("h1")


def test_a_version_in_a_private_namespace_is_missing_for_who_may_not_see_it(api: EmbeddedApi) -> None:
    admin = api.workflow(ADMIN)
    owners = [{"repository": api.repository_id(OWNER)}, {"team": "acme/secret"}]
    namespace = {"name": "secret", "private": True, "owners": owners}
    api.ok("POST", "/v1/namespaces", admin, body=namespace)
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "secret/churn"})
    _register(api, "secret/churn", b"hidden")

    outsider = _page(api, links.version("secret/churn", 1), _reader(api))
    download = _page(api, links.download("secret/churn", 1), _reader(api))
    member = _page(api, links.version("secret/churn", 1), api.person(7373, "sam", teams=("acme/secret",)))

    assert (outsider.status, download.status) == (404, 404)
    assert "Location" not in download.headers
    assert "hidden" not in outsider.raw and hashlib.sha256(b"hidden").hexdigest() not in outsider.raw
    assert member.status == 200


def test_a_namespaced_version_has_its_page(api: EmbeddedApi) -> None:
    admin = api.workflow(ADMIN)
    namespace = {"name": "marketing", "owners": [{"repository": api.repository_id(OWNER)}]}
    api.ok("POST", "/v1/namespaces", admin, body=namespace)
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "marketing/churn"})
    _register(api, "marketing/churn", b"open")

    answer = _page(api, "/ui/models/marketing/churn/versions/1", _reader(api))

    assert answer.status == 200, answer.raw[:2000]
    assert "/ui/models/marketing/churn/versions/1/download" in parse_markup(answer.raw).hrefs()


def test_an_unknown_query_parameter_is_a_400_page(api: EmbeddedApi) -> None:
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "fraud"})
    _register(api, "fraud", b"one")

    answer = _page(api, links.version("fraud", 1), _reader(api), query={"colour": "red"})

    assert answer.status == 400
    assert answer.headers["Content-Type"].startswith("text/html")


def test_without_a_session_the_page_sends_the_browser_to_sign_in(api: EmbeddedApi) -> None:
    api.ok("POST", "/v1/models", api.workflow(OWNER), body={"name": "fraud"})
    _register(api, "fraud", b"one")

    answer = _page(api, links.version("fraud", 1), None)

    assert answer.status == 303
    assert answer.headers["Location"] == links.sign_in(links.version("fraud", 1))


class _CountingStore:
    """A port whose method calls are counted (each is one storage request or fewer)."""

    def __init__(self, store: Any, port: str, calls: Counter[str]) -> None:
        self._store, self._port, self._calls = store, port, calls

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if not callable(found):
            return found

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._calls[f"{self._port}.{name}"] += 1
            return found(*args, **kwargs)

        return counted


def _storage_calls(api: EmbeddedApi, path: str, person: str) -> Counter[str]:
    from modelyard_server import ports

    real = ports.backend()
    calls: Counter[str] = Counter()
    stores = {
        field.name: _CountingStore(getattr(real, field.name), field.name, calls)
        for field in dataclasses.fields(real)
        if field.name not in ("name", "close", "dead_letters")
    }
    ports._installed = dataclasses.replace(real, **stores)  # type: ignore[arg-type]
    try:
        assert _page(api, path, person).status == 200
    finally:
        ports._installed = real
    return calls


def test_the_page_reads_storage_a_fixed_number_of_times_whatever_the_number_of_versions(api: EmbeddedApi) -> None:
    _fraud_with_history(api)
    person = _reader(api)
    few = _storage_calls(api, links.version("fraud", 2), person)

    for index in range(12):
        _register(api, "fraud", f"more {index}".encode(), metrics={"auc": 0.9})
    many = _storage_calls(api, links.version("fraud", 2), person)

    assert many == few
    assert sum(many.values()) <= 20, many


def test_a_lapsed_sign_off_is_marked_and_a_stage_moving_off_the_version_is_among_its_events(api: EmbeddedApi) -> None:
    admin, owner = api.workflow(ADMIN), api.workflow(OWNER, environment="staging")
    grant = {"role": "reviewer", "scope": "*", "person": str(REVIEWER)}
    api.ok("POST", "/v1/roles", admin, body=grant)
    api.ok("POST", "/v1/models", owner, body={"name": "fraud"})
    _register(api, "fraud", b"one")
    _register(api, "fraud", b"two")
    api.ok("POST", "/v1/models/fraud/versions/1/reviews", api.person(REVIEWER, "rev"), body={"verdict": "approve"})
    api.ok("DELETE", "/v1/roles", admin, query=grant)
    for number in (1, 2):
        api.ok("POST", "/v1/models/fraud/stages/staging/promote", owner, body={"version": number})

    page = parse_markup(_page(api, links.version("fraud", 1), _reader(api)).raw)

    [(who, decision, _, _)] = [row for row in _cells(page) if row and row[0].startswith("rev ")]
    assert "lapsed" in who and decision == "approved"
    assert "0 counted approvals" in " ".join(page.text.split())
    moves = [row for row in _cells(page) if len(row) == 5 and row[1] == "version.promoted"]
    assert [(change, note) for _, _, _, change, note in moves] == [
        ("version: 1 → 2", "stage staging"),
        (f"version: {NOTHING} → 1", "stage staging"),
    ]
