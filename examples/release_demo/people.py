"""The demo's people: a reviewer who signs a model card off, and the on-call engineer who rolls production back.

They sign in as a person does (`modelyard login`: GitHub's device flow, played against the GitHub
stand-in, which plays the person entering the code too); their roles come from their GitHub teams,
which an admin granted roles to. Each gets a :class:`modelyard.Client` reading their stored session.
"""

from __future__ import annotations

from pathlib import Path

from modelyard import Client
from modelyard.login import DeviceCode, login
from modelyard.render import key_values
from modelyard.sessions import SessionStore
from release_demo.narration import CALL_INDENT, note, say, say_call, show
from release_demo.registry import RunningRegistry


def sign_in(registry: RunningRegistry, workdir: Path, login_name: str, user_id: int, team: str) -> Client:
    """`login_name` (GitHub user `user_id`, in `team`) signs in; their client, holding their session."""
    registry.add_person(login_name, user_id=user_id, teams=(team,))
    store = SessionStore(workdir / f"config-{login_name}")

    def enter_code(code: DeviceCode) -> None:
        show(f"First copy your one-time code: {code.user_code}\nThen open {code.verification_uri}")
        registry.authorize_device(code.user_code, login_name)
        note(f"{login_name} enters the code on GitHub's device page and authorizes the registry's app")

    say_call(f"login({registry.url!r})  # what `modelyard login` runs, on {login_name}'s laptop")
    login(registry.url, store=store, announce=enter_code, sleep=lambda seconds: None)
    client = Client(registry.url, env={"MODELYARD_CONFIG_DIR": str(store.path.parent)}, progress=False)
    say(f"{CALL_INDENT}{login_name:<10} = Client(url)  # reads the session `modelyard login` stored (mode 0600)")
    me = client.whoami()
    roles = [f"{grant['scope']}: {', '.join(grant['roles'])}" for grant in me.get("roles") or []]
    show(key_values([("login", me.get("login")), ("id", me.get("id")), ("teams", me.get("teams")), ("roles", roles)]))
    return client
