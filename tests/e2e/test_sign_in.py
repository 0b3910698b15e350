"""A person signs in end to end: the device flow against the GitHub stand-in, the embedded registry's
session, the session file, renewal with GitHub before expiry, logout (the registry ends the session).

The person's side of GitHub (entering the code, pressing Authorize or Cancel) is played over the
stand-in's loopback `/_local/device/*` routes while the client polls; the client's sleeps are
recorded instead of waited, so the intervals it honours are visible.
"""

from __future__ import annotations

import stat
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelyard import Client
from modelyard.errors import ClientError, RegistryError
from modelyard.login import DeviceCode, SignInFailed, login
from modelyard.logout import logout
from modelyard.sessions import SessionStore, SessionToken, SignInRefused
from modelyard.transport import USER_AGENT
from modelyard_local.stack import LocalStack

ON_CALL_ID = 4242


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    admin = {"MODELYARD_ADMIN_SUBJECTS": f"github-user:{ON_CALL_ID}"}
    with LocalStack(port=0, issuer_port=0, github=True, extra_env=admin) as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "config")


def _person_does(stack: LocalStack, action: str, code: DeviceCode, **fields: str) -> None:
    """What the person does on GitHub's device page, through the stand-in's loopback helper."""
    data = urllib.parse.urlencode({"user_code": code.user_code, **fields}).encode()
    request = urllib.request.Request(f"{stack.github.url}/_local/device/{action}", data=data, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


class Sleeps:
    """The client's waits, recorded; `then` runs at the given wait (the person acting meanwhile)."""

    def __init__(self, then: dict[int, Callable[[], None]] | None = None) -> None:
        self.seconds: list[float] = []
        self._then = then or {}

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        action = self._then.get(len(self.seconds))
        if action is not None:
            action()


def test_device_flow_signs_a_person_in_and_stores_the_session_privately(stack: LocalStack, store: SessionStore) -> None:
    stack.github.people.add_person("alice", user_id=1001, teams=("acme/ml-ops",))
    codes: list[DeviceCode] = []
    sleeps = Sleeps(then={3: lambda: _person_does(stack, "approve", codes[0], login="alice")})
    session = login(stack.api_url, store=store, announce=codes.append, sleep=sleeps)

    assert codes[0].verification_uri == f"{stack.github.url}/login/device"
    assert sleeps.seconds == [5, 5, 5]  # pending twice, approved during the third wait: GitHub's interval each time
    assert (session.login, session.id) == ("alice", 1001)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert [path.name for path in store.path.parent.iterdir()] == ["session.json"]  # no staging file left
    key_file = stack.data_dir / "session-signing.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    env = {"MODELYARD_CONFIG_DIR": str(store.path.parent), "HOME": str(store.path.parent)}
    me = Client(stack.api_url, env=env).whoami()
    assert (me["kind"], me["id"], me["login"], me["teams"]) == ("person", "1001", "alice", ["acme/ml-ops"])


def test_slow_down_adds_five_seconds_each_time(stack: LocalStack, store: SessionStore) -> None:
    codes: list[DeviceCode] = []

    def announce(code: DeviceCode) -> None:
        codes.append(code)
        _person_does(stack, "slow_down", code, times="2")  # GitHub finds the client polling too often, twice
        _person_does(stack, "approve", code, login="bob")

    sleeps = Sleeps()
    assert login(stack.api_url, store=store, announce=announce, sleep=sleeps).login == "bob"
    assert sleeps.seconds == [5, 10, 15]


@pytest.mark.parametrize(
    ("action", "says"), [("deny", "declined"), ("expire", "expired")], ids=["access_denied", "expired_token"]
)
def test_a_denied_or_expired_code_stores_nothing(
    stack: LocalStack, store: SessionStore, action: str, says: str
) -> None:
    sleeps = Sleeps()
    with pytest.raises(SignInFailed, match=says):
        login(stack.api_url, store=store, announce=lambda code: _person_does(stack, action, code), sleep=sleeps)
    assert sleeps.seconds == [5]  # one poll: the answer is final
    assert not store.path.exists()
    assert store.get(stack.api_url) is None


def _signed_in(stack: LocalStack, store: SessionStore, login_name: str, **person: object) -> None:
    stack.github.people.add_person(login_name, **person)  # type: ignore[arg-type]
    login(
        stack.api_url,
        store=store,
        announce=lambda code: _person_does(stack, "approve", code, login=login_name),
        sleep=lambda seconds: None,
    )


def test_the_session_is_renewed_before_it_expires_with_the_teams_github_has_now(
    stack: LocalStack, store: SessionStore
) -> None:
    _signed_in(stack, store, "carol", teams=("acme/ml-ops", "acme/finance"))
    first = store.get(stack.api_url)
    assert first is not None
    now = time.time()
    assert Client(stack.api_url, SessionToken(stack.api_url, store, clock=lambda: now)).whoami()["teams"] == [
        "acme/finance",
        "acme/ml-ops",
    ]
    assert store.get(stack.api_url) == first  # still fresh: not renewed

    stack.github.people.remove_from_team("carol", "acme/finance")
    later = first.expires_at - 60  # within the renewal margin
    me = Client(stack.api_url, SessionToken(stack.api_url, store, clock=lambda: later)).whoami()
    assert me["teams"] == ["acme/ml-ops"]
    renewed = store.get(stack.api_url)
    assert renewed is not None and renewed.session_token != first.session_token
    assert renewed.github_token == first.github_token
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_a_github_token_revoked_since_sign_in_is_refused_at_renewal(stack: LocalStack, store: SessionStore) -> None:
    _signed_in(stack, store, "dave")
    stack.github.people.revoke_all("dave")
    session = store.get(stack.api_url)
    assert session is not None
    source = SessionToken(stack.api_url, store, clock=lambda: session.expires_at)
    with pytest.raises(SignInRefused, match="modelyard login"):
        Client(stack.api_url, source).whoami()


def test_logout_forgets_the_session_of_that_registry_only(stack: LocalStack, store: SessionStore) -> None:
    _signed_in(stack, store, "erin")
    other = store.get(stack.api_url)
    assert other is not None
    store.put(other.__class__(**{**other.__dict__, "registry_url": "https://registry.example.com"}))
    assert logout(stack.api_url + "/", store=store).forgotten
    assert store.get(stack.api_url) is None
    assert store.get("https://registry.example.com") is not None
    assert not logout(stack.api_url, store=store).forgotten
    env = {"MODELYARD_CONFIG_DIR": str(store.path.parent), "HOME": str(store.path.parent)}
    with pytest.raises(ClientError, match="modelyard login"):
        Client(stack.api_url, env=env).whoami()


def test_logout_ends_the_session_on_the_registry_for_every_copy_of_its_token(
    stack: LocalStack, store: SessionStore
) -> None:
    _signed_in(stack, store, "frank")
    session = store.get(stack.api_url)
    assert session is not None
    copied = Client(stack.api_url, session.session_token)  # a copy of the session file, read off this laptop
    assert copied.whoami()["login"] == "frank"

    result = logout(stack.api_url, store=store)

    assert (result.forgotten, result.ended, result.problem) == (True, True, None)
    with pytest.raises(RegistryError) as refused:
        copied.whoami()
    assert refused.value.status == 401 and "signed out" in refused.value.detail


def test_a_persons_change_is_recorded_as_theirs_and_through_which_client(
    stack: LocalStack, store: SessionStore, tmp_path: Path
) -> None:
    weights = tmp_path / "model.joblib"
    weights.write_bytes(b"weights")
    workflow = Client(stack.api_url, stack.mint(repository="acme/models"))
    workflow.register("churn", weights, create_model=True)

    _signed_in(stack, store, "oncall", user_id=ON_CALL_ID)
    person = Client(stack.api_url, SessionToken(stack.api_url, store))
    person.archive_version("churn", 1, "incident 7: the model answers garbage")

    events = list(person.events("churn"))
    archived = events[-1]
    assert archived["actor"] == "oncall" and archived["repository"] is None
    assert archived["detail"]["actor_kind"] == "person"
    assert (archived["detail"]["user_id"], archived["detail"]["login"]) == (str(ON_CALL_ID), "oncall")
    assert archived["detail"]["client"] == USER_AGENT
    assert events[0]["detail"]["actor_kind"] == "workflow"
    assert events[0]["repository"] == "acme/models"


def test_cli_login_whoami_logout(stack: LocalStack, tmp_path: Path) -> None:
    """`modelyard login` as a person runs it: the code on stderr, GitHub approves, then whoami and logout."""
    import json
    import re
    import subprocess
    import sys

    from tests.e2e.conftest import base_env

    stack.github.people.add_person("dana", user_id=3404, teams=("acme/risk",))
    env = {**base_env(), "MODELYARD_URL": stack.api_url, "MODELYARD_CONFIG_DIR": str(tmp_path / "config")}

    def modelyard(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "modelyard", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)

    with subprocess.Popen(
        [sys.executable, "-m", "modelyard", "login", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as signing_in:
        assert signing_in.stderr is not None and signing_in.stdout is not None
        first_line = signing_in.stderr.readline()
        code = re.search(r"one-time code: (\S+)", first_line)
        assert code, first_line
        _person_does(stack, "approve", DeviceCode("", code.group(1), "", 900, 5), login="dana")
        assert signing_in.wait(timeout=60) == 0, signing_in.stderr.read()
        assert json.loads(signing_in.stdout.read())["login"] == "dana"

    me = modelyard("whoami", "--json")
    assert me.returncode == 0, me.stderr
    assert (json.loads(me.stdout)["login"], json.loads(me.stdout)["teams"]) == ("dana", ["acme/risk"])
    session = SessionStore(tmp_path / "config").get(stack.api_url)
    assert session is not None
    assert modelyard("logout").stdout.strip() == "signed out"
    assert modelyard("whoami").returncode != 0  # no session, no token: nothing to sign requests with
    copied = modelyard("whoami", "--token", session.session_token)
    assert copied.returncode == 1 and "signed out" in copied.stderr  # the registry ended it: no copy works
