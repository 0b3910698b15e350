"""A run's URL points at the GitHub that issued the token, and never invents github.com for a local run."""

from __future__ import annotations

import pytest

from modelyard_server.domain.principal import Principal


@pytest.mark.parametrize(
    ("issuer", "url"),
    [
        ("https://token.actions.githubusercontent.com", "https://github.com/acme/fraud/actions/runs/7/attempts/2"),
        (
            "https://token.actions.githubusercontent.com/acme-corp",
            "https://github.com/acme/fraud/actions/runs/7/attempts/2",
        ),
        ("https://token.actions.octo.ghe.com", "https://octo.ghe.com/acme/fraud/actions/runs/7/attempts/2"),
        ("https://git.example.com/_services/token", "https://git.example.com/acme/fraud/actions/runs/7/attempts/2"),
        ("http://127.0.0.1:8643", "http://127.0.0.1:8643/acme/fraud/actions/runs/7/attempts/2"),
    ],
)
def test_run_url_follows_the_issuer(issuer: str, url: str) -> None:
    principal = Principal({"iss": issuer, "repository": "acme/fraud", "run_id": "7", "run_attempt": "2"})
    assert principal.run_url == url


@pytest.mark.parametrize(
    ("issuer", "declared", "kept"),
    [
        # GitHub's own tokens: the run is where the issuer says, nowhere else.
        ("https://token.actions.githubusercontent.com", "https://github.com/acme/fraud/actions/runs/7", "attested"),
        ("https://token.actions.githubusercontent.com", "https://evil.example/acme/fraud/actions/runs/7", None),
        (
            "https://git.example.com/_services/token",
            "https://git.example.com/acme/fraud/actions/runs/7/attempts/1",
            "attested",
        ),
        # Another issuer (the local one) cannot place the run: this repository's run, on any host.
        ("http://127.0.0.1:8643", "https://github.com/acme/fraud/actions/runs/7/attempts/2", "declared"),
        ("http://127.0.0.1:8643", "https://github.com/victim/repo/actions/runs/7", None),
    ],
)
def test_a_declared_run_url_must_be_the_tokens_run(issuer: str, declared: str, kept: str | None) -> None:
    from modelyard_server.domain.lineage import LineageRefused, attest_lineage
    from modelyard_server.domain.version_records import Lineage

    principal = Principal({"iss": issuer, "repository": "acme/fraud", "run_id": "7", "run_attempt": "2"})
    if kept is None:
        with pytest.raises(LineageRefused):
            attest_lineage(Lineage(run_url=declared), principal, lambda uri: None)  # type: ignore[arg-type,return-value]
        return
    lineage = attest_lineage(Lineage(run_url=declared), principal, lambda uri: None)  # type: ignore[arg-type,return-value]
    assert lineage.run_url == (principal.run_url if kept == "attested" else declared)
