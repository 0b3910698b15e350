"""Asking GitHub who a user token belongs to: pages, rate limits, refusals, and where the token may go."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from modelyard_server.adapters.github_users import GitHubUserApi
from modelyard_server.ports.identity import GitHubTokenRefused, GitHubUnreachable


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeGitHub:
    """GitHub's REST answers per path (with query), and which Authorization headers reached it."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.seen: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                fake.seen.append((self.path, self.headers.get("Authorization", "")))
                answer = fake.answers.get(self.path, Answer(404, {"message": "Not Found"}))
                data = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    fake.answers["/user"] = Answer(body={"login": "Octocat", "id": 583231})
    fake.answers["/user/orgs?per_page=100"] = Answer(body=[{"login": "Acme"}])
    yield fake
    fake.stop()


def _team(org: str, slug: str) -> dict[str, Any]:
    return {"slug": slug, "organization": {"login": org}}


def test_teams_are_read_page_by_page_on_githubs_own_host(github: FakeGitHub) -> None:
    github.answers["/user/teams?per_page=100"] = Answer(
        body=[_team("Acme", "ML-Ops")], headers={"Link": f'<{github.url}/user/teams?per_page=100&page=2>; rel="next"'}
    )
    github.answers["/user/teams?per_page=100&page=2"] = Answer(
        body=[_team("beta", "finance")],
        # a next link elsewhere is never followed: the user's token goes to GitHub's API only
        headers={"Link": '<https://elsewhere.example.com/steal?page=3>; rel="next"'},
    )
    person = GitHubUserApi(github.url).identify("gho_secret")
    assert (person.user_id, person.login) == (583231, "Octocat")
    assert person.teams == ("acme/ml-ops", "beta/finance")
    assert person.organizations == ("acme", "beta")
    assert {auth for _, auth in github.seen} == {"Bearer gho_secret"}
    assert len(github.seen) == 4


def test_a_token_github_does_not_accept_is_refused(github: FakeGitHub) -> None:
    github.answers["/user"] = Answer(401, {"message": "Bad credentials"})
    with pytest.raises(GitHubTokenRefused, match="revoked or expired"):
        GitHubUserApi(github.url).identify("gho_revoked")


def test_a_token_without_read_org_is_refused_with_the_scope_it_needs(github: FakeGitHub) -> None:
    github.answers["/user/teams?per_page=100"] = Answer(403, {"message": "Resource not accessible by integration"})
    with pytest.raises(GitHubTokenRefused, match="read:org"):
        GitHubUserApi(github.url).identify("gho_narrow")


def test_githubs_rate_limit_says_when_to_come_back(github: FakeGitHub) -> None:
    github.answers["/user"] = Answer(403, {"message": "API rate limit exceeded"}, {"Retry-After": "42"})
    with pytest.raises(GitHubUnreachable) as unreachable:
        GitHubUserApi(github.url).identify("gho_busy")
    assert unreachable.value.retry_after == 42


@pytest.mark.parametrize("answer", [Answer(502, {"message": "Bad gateway"}), Answer(200, {"login": "no-id"})])
def test_a_broken_answer_is_github_being_unavailable(github: FakeGitHub, answer: Answer) -> None:
    github.answers["/user"] = answer
    with pytest.raises(GitHubUnreachable):
        GitHubUserApi(github.url).identify("gho_x")


def test_plain_http_to_another_host_is_never_used() -> None:
    with pytest.raises(GitHubUnreachable, match="plain HTTP"):
        GitHubUserApi("http://github.example.com").identify("gho_x")
