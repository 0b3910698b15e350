"""Review sign-off end to end: people sign in with GitHub, review a version from the CLI, and a stage rule
of two sign-offs holds the promotion back until the second counted approval, saying what is missing.

Rita's push registered the version (her GitHub user id is the run's `actor_id`): her own approval does not
count. Ann asks for changes, which blocks until she approves; Ben's approval is the second one that counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.login import login
from modelyard_local.stack import LocalStack
from tests.e2e.conftest import OWNER, Cli, CliResult, sdk
from tests.e2e.test_sign_in import _person_does

RITA, ANN, BEN, EVE = 5003, 5001, 5002, 5009  # GitHub user ids; Eve is no reviewer
ADMIN_REPOSITORY = "acme/platform"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    reviewers = ",".join(f"github-user:{user_id}" for user_id in (RITA, ANN, BEN))
    env = {"MODELYARD_REVIEWER_SUBJECTS": reviewers, "MODELYARD_ADMIN_REPOSITORIES": ADMIN_REPOSITORY}
    with LocalStack(port=0, issuer_port=0, github=True, extra_env=env) as running:
        yield running


def _sign_in(stack: LocalStack, directory: Path, login_name: str, user_id: int) -> dict[str, str]:
    """Sign `login_name` in through the device flow; the environment a CLI run as them needs."""
    from modelyard.sessions import SessionStore

    stack.github.people.add_person(login_name, user_id=user_id)
    store = SessionStore(directory / login_name)
    login(
        stack.api_url,
        store=store,
        announce=lambda code: _person_does(stack, "approve", code, login=login_name),
        sleep=lambda seconds: None,
    )
    return {"MODELYARD_CONFIG_DIR": str(store.path.parent), "HOME": str(store.path.parent)}


def _registered_by_rita(stack: LocalStack, cli: Cli, model_name: str, tmp_path: Path, min_reviews: int) -> None:
    weights = tmp_path / "model.joblib"
    weights.write_bytes(b"weights of " + model_name.encode())
    rita_pushed = stack.mint(repository=OWNER, actor="rita", actor_id=str(RITA))
    cli.run("register", model_name, str(weights), "--create-model", token=rita_pushed)
    admin = sdk(stack, stack.mint(repository=ADMIN_REPOSITORY))
    admin.set_policy({"stages": {"staging": {"min_reviews": min_reviews}}}, name=model_name)


def _promote(stack: LocalStack, cli: Cli, model_name: str, expect: int) -> CliResult:
    job = stack.mint(repository=OWNER, environment="staging")
    return cli.run("promote", model_name, "1", "--stage", "staging", token=job, expect=expect)


def test_two_sign_offs_hold_a_promotion_until_the_second_counted_approval(
    stack: LocalStack, cli: Cli, model_name: str, tmp_path: Path
) -> None:
    _registered_by_rita(stack, cli, model_name, tmp_path, min_reviews=2)
    rita = _sign_in(stack, tmp_path, "rita", RITA)
    ann = _sign_in(stack, tmp_path, "ann", ANN)
    ben = _sign_in(stack, tmp_path, "ben", BEN)

    own = cli.run("review", model_name, "1", "--approve", token=None, env=rita)
    assert "not counted (self-review)" in own.stdout and "rita" in own.stdout
    refused = _promote(stack, cli, model_name, expect=1)
    assert "2 more reviewer approval(s)" in refused.stderr
    assert "self-review by rita does not count" in refused.stderr

    cli.run(
        "review",
        model_name,
        "1",
        "--request-changes",
        "--comment",
        "the card lacks a data section",
        token=None,
        env=ann,
    )
    cli.run("review", model_name, "1", "--approve", token=None, env=ben)
    blocked = _promote(stack, cli, model_name, expect=1)
    assert "changes requested by ann (blocks until they approve)" in blocked.stderr

    cli.run("review", model_name, "1", "--approve", "--comment", "data section added", token=None, env=ann)
    listing = cli.run("reviews", model_name, "1", "--json", token=None, env=ann).json()
    assert [(item["reviewer"]["login"], item["verdict"]) for item in listing["items"]] == [
        ("rita", "approve"),
        ("ben", "approve"),
        ("ann", "approve"),
    ]
    assert listing["items"][2]["reviewer"]["key"] == f"user:{ANN}"
    assert listing["summary"] == {
        "approvals": 2,
        "approved_by": ["ann", "ben"],
        "changes_requested_by": [],
        "not_counted": ["rita"],
        "lapsed": [],
    }

    promoted = _promote(stack, cli, model_name, expect=0)
    assert "staging" in promoted.stdout
    events = list(sdk(stack, stack.mint(repository=OWNER)).events(model_name))
    reviewed = [event for event in events if event["type"] == "model.version.reviewed"]
    assert [(e["detail"]["login"], e["after"]["verdict"]) for e in reviewed] == [
        ("rita", "approve"),
        ("ann", "request_changes"),
        ("ben", "approve"),
        ("ann", "approve"),
    ]
    assert reviewed[1]["detail"]["comment"] == "the card lacks a data section"
    assert reviewed[3]["before"] == {"verdict": "request_changes"}
    assert events[-1]["type"] == "model.version.promoted"
    assert events[-1]["detail"]["sign_offs"]["approved_by"] == ["ann", "ben"]


def test_someone_who_is_no_reviewer_is_refused_and_nothing_is_kept(
    stack: LocalStack, cli: Cli, model_name: str, tmp_path: Path
) -> None:
    _registered_by_rita(stack, cli, model_name, tmp_path, min_reviews=1)
    eve = _sign_in(stack, tmp_path, "eve", EVE)

    refused = cli.run("review", model_name, "1", "--approve", "--json", token=None, env=eve, expect=1)
    problem = json.loads(refused.stderr)
    assert problem["status"] == 403
    assert "is for reviewers" in problem["detail"]
    owner_workflow = cli.run("review", model_name, "1", "--approve", expect=1)  # the owner's own workflow
    assert "Not allowed: signing off versions" in owner_workflow.stderr
    assert cli.run("reviews", model_name, "1", "--json").json()["items"] == []
    assert "model.version.reviewed" not in {e["type"] for e in sdk(stack, cli.token or "").events(model_name)}


def test_a_request_for_changes_without_a_comment_is_refused(
    stack: LocalStack, cli: Cli, model_name: str, tmp_path: Path
) -> None:
    _registered_by_rita(stack, cli, model_name, tmp_path, min_reviews=1)
    ann = _sign_in(stack, tmp_path, "ann", ANN)
    from modelyard import Client
    from modelyard.errors import RegistryError

    unsaid = cli.run("review", model_name, "1", "--request-changes", token=None, env=ann, expect=None)
    assert unsaid.returncode != 0 and "needs a comment" in unsaid.stderr
    client = Client(stack.api_url, env=ann)
    with pytest.raises(RegistryError) as refused:
        client._request("POST", f"/v1/models/{model_name}/versions/1/reviews", body={"verdict": "request_changes"})
    assert refused.value.status == 422
    with pytest.raises(RegistryError) as too_long:
        client._request(
            "POST", f"/v1/models/{model_name}/versions/1/reviews", body={"verdict": "approve", "comment": "x" * 4001}
        )
    assert too_long.value.status == 422
    with pytest.raises(RegistryError) as loose:
        client._request("POST", f"/v1/models/{model_name}/versions/1/reviews", body={"verdict": "approve", "by": "x"})
    assert loose.value.status == 422
    assert client.reviews(model_name, 1)["items"] == []
