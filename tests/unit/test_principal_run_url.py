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
