"""People in the local GitHub stand-in: the OAuth device and web flows, user tokens, `/user`, its teams and orgs.

Shaped after GitHub's documentation ("Authorizing OAuth apps: device flow", REST "Users" and
"Teams"). Tests and `modelyard dev` add people and team memberships, approve or deny a pending
device code the way a person would on github.com/login/device, force `slow_down` or expiry, and
revoke tokens. Loopback-only helpers live under `/_local/device/` and `/_local/browser/`. The web
flow (a browser sent to `/login/oauth/authorize`, the code exchanged with the client secret) is
`web_flow` (github_web_flow.py).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from modelyard_local.github_web_flow import WebFlow
from modelyard_local.issuer import local_user_id

CLIENT_ID = "Iv1.modelyardlocal"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"  # GitHub's user codes: no vowels, no look-alikes
Answer = tuple[int, Any, dict[str, str]]


@dataclass
class Person:
    login: str
    user_id: int
    teams: set[str] = field(default_factory=set)  # "org/team-slug"
    organizations: set[str] = field(default_factory=set)


@dataclass
class DeviceCode:
    device_code: str
    user_code: str
    scope: str
    expires_at: float
    interval: int
    state: str = "pending"  # pending | approved | denied | used
    login: str | None = None
    slow_downs: int = 0  # answers of slow_down still to give (forced by tests)


class GitHubPeople:
    """The people GitHub knows here, their tokens, and the device codes waiting for them."""

    def __init__(self, base_url: str = "", interval: int = 5, expires_in: int = 900, page_size: int = 100) -> None:
        self.base_url = base_url  # where this stand-in answers (set once its server listens)
        self.client_id = CLIENT_ID
        self.client_secret = secrets.token_hex(20)  # a new one per start, as after "Generate a new client secret"
        self.interval = interval
        self.expires_in = expires_in
        self.page_size = page_size  # GitHub's per_page cap is 100; tests shrink it to see pagination
        self.people: dict[int, Person] = {}
        self._tokens: dict[str, int] = {}
        self._codes: dict[str, DeviceCode] = {}
        self._lock = threading.Lock()
        self.web_flow = WebFlow(self.client_id, self.client_secret, self.token_for)

    # ---------------------------------------------------------------------- arranging (tests, demo)

    def sign_in_browser(self, login: str | None) -> None:
        """`login` is signed in at GitHub in "this browser" (None: nobody); added as a person when new."""
        if login is not None and self._find(login) is None:
            self.add_person(login)
        self.web_flow.sign_in_browser(login)

    def deny_next_authorization(self) -> None:
        """The next visit to /login/oauth/authorize is answered as if the person pressed Cancel."""
        self.web_flow.deny_next_authorization()

    def add_person(
        self, login: str, *, user_id: int | None = None, teams: tuple[str, ...] = (), orgs: tuple[str, ...] = ()
    ) -> Person:
        with self._lock:
            uid = user_id if user_id is not None else int(local_user_id(login))
            person = self.people.setdefault(uid, Person(login, uid))
            person.login = login
            person.teams |= {team.lower() for team in teams}
            person.organizations |= {org.lower() for org in orgs} | {team.split("/")[0].lower() for team in teams}
            return person

    def remove_from_team(self, login: str, team: str) -> None:
        with self._lock:
            self._named(login).teams.discard(team.lower())

    def token_for(self, login: str) -> str:
        """A user access token for `login` (as if they had finished the device flow)."""
        person = self.add_person(login) if self._find(login) is None else self._named(login)
        token = "gho_" + secrets.token_hex(18)
        with self._lock:
            self._tokens[token] = person.user_id
        return token

    def revoke(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)

    def revoke_all(self, login: str) -> None:
        with self._lock:
            uid = self._named(login).user_id
            for token in [token for token, owner in self._tokens.items() if owner == uid]:
                del self._tokens[token]

    def approve(self, user_code: str, login: str) -> None:
        """What pressing "Authorize" on github.com/login/device does."""
        if self._find(login) is None:
            self.add_person(login)
        with self._lock:
            code = self._by_user_code(user_code)
            code.state, code.login = "approved", login

    def deny(self, user_code: str) -> None:
        with self._lock:
            self._by_user_code(user_code).state = "denied"

    def expire(self, user_code: str) -> None:
        with self._lock:
            self._by_user_code(user_code).expires_at = 0.0

    def slow_down(self, user_code: str, times: int = 1) -> None:
        with self._lock:
            self._by_user_code(user_code).slow_downs += times

    def pending_user_codes(self) -> list[str]:
        with self._lock:
            return [code.user_code for code in self._codes.values() if code.state == "pending"]

    # ---------------------------------------------------------------------- GitHub's endpoints

    def answer(self, method: str, path: str, form: dict[str, str], auth: str, loopback: bool) -> Answer | None:
        """GitHub's answer to a people request, or None when the path is not one of these."""
        route, _, query = path.partition("?")
        if method == "POST" and route == "/login/device/code":
            return self._device_code(form)
        if method == "GET" and route == "/login/oauth/authorize":
            return self.web_flow.authorize({k: v[0] for k, v in urllib.parse.parse_qs(query).items()})
        if method == "POST" and route == "/login/oauth/access_token":
            # one endpoint, two grants: a device code (device flow) or an authorization code (web flow)
            if form.get("grant_type") != DEVICE_GRANT and "code" in form:
                return self.web_flow.exchange(form)
            return self._access_token(form)
        if method == "POST" and route.startswith("/_local/device/"):
            return self._local(route.removeprefix("/_local/device/"), form, loopback)
        if method == "POST" and route.startswith("/_local/browser/"):
            return self._local_browser(route.removeprefix("/_local/browser/"), form, loopback)
        if method == "GET" and route in ("/user", "/user/teams", "/user/orgs"):
            person = self._bearer(auth)
            if person is None:
                return 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}, {}
            if route == "/user":
                return 200, _user(person), {}
            items = _teams(person) if route == "/user/teams" else _orgs(person)
            return self._page(route, items, urllib.parse.parse_qs(query))
        return None

    def _device_code(self, form: dict[str, str]) -> Answer:
        if form.get("client_id") != self.client_id:
            return 200, {"error": "incorrect_client_credentials", "error_description": "unknown client_id"}, {}
        user_code = "-".join("".join(secrets.choice(USER_CODE_LETTERS) for _ in range(4)) for _ in range(2))
        code = DeviceCode(
            device_code=secrets.token_hex(20),
            user_code=user_code,
            scope=form.get("scope", ""),
            expires_at=time.time() + self.expires_in,
            interval=self.interval,
        )
        with self._lock:
            self._codes[code.device_code] = code
        return (
            200,
            {
                "device_code": code.device_code,
                "user_code": code.user_code,
                "verification_uri": f"{self.base_url}/login/device",
                "expires_in": self.expires_in,
                "interval": code.interval,
            },
            {},
        )

    def _access_token(self, form: dict[str, str]) -> Answer:
        def error(name: str, **more: Any) -> Answer:
            return 200, {"error": name, "error_description": name.replace("_", " "), **more}, {}

        if form.get("client_id") != self.client_id:
            return error("incorrect_client_credentials")
        if form.get("grant_type") != DEVICE_GRANT:
            return error("unsupported_grant_type")
        with self._lock:
            code = self._codes.get(form.get("device_code", ""))
            if code is None or code.state == "used":
                return error("incorrect_device_code")
            if time.time() > code.expires_at:
                return error("expired_token")
            if code.slow_downs > 0:
                code.slow_downs -= 1
                code.interval += 5
                return error("slow_down", interval=code.interval)
            if code.state == "denied":
                return error("access_denied")
            if code.state == "pending":
                return error("authorization_pending")
            code.state = "used"
            login = str(code.login)
        token = self.token_for(login)
        return 200, {"access_token": token, "token_type": "bearer", "scope": code.scope}, {}

    def _local(self, action: str, form: dict[str, str], loopback: bool) -> Answer:
        if not loopback:
            return 403, {"message": "local helpers answer loopback callers only"}, {}
        user_code = form.get("user_code", "")
        try:
            if action == "approve":
                self.approve(user_code, form.get("login", "octocat"))
            elif action == "deny":
                self.deny(user_code)
            elif action == "expire":
                self.expire(user_code)
            elif action == "slow_down":
                self.slow_down(user_code, int(form.get("times", "1")))
            else:
                return 404, {"message": "Not Found"}, {}
        except KeyError:
            return 404, {"message": f"no pending device code {user_code!r}"}, {}
        return 200, {"ok": True}, {}

    def _local_browser(self, action: str, form: dict[str, str], loopback: bool) -> Answer:
        """`modelyard dev` by hand: who is signed in at "GitHub" in the browser (`login=`, empty: nobody)."""
        if not loopback:
            return 403, {"message": "local helpers answer loopback callers only"}, {}
        if action == "sign-in":
            self.sign_in_browser(form.get("login") or None)
        elif action == "deny-next":
            self.deny_next_authorization()
        else:
            return 404, {"message": "Not Found"}, {}
        return 200, {"ok": True}, {}

    def _page(self, route: str, items: list[dict[str, Any]], query: dict[str, list[str]]) -> Answer:
        per_page = min(int((query.get("per_page") or ["30"])[0]), self.page_size)
        page = int((query.get("page") or ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            headers["Link"] = f'<{self.base_url}{route}?per_page={per_page}&page={page + 1}>; rel="next"'
        return 200, chunk, headers

    # ---------------------------------------------------------------------- lookups

    def _bearer(self, auth: str) -> Person | None:
        scheme, _, token = auth.partition(" ")
        with self._lock:
            uid = self._tokens.get(token.strip()) if scheme.lower() in ("bearer", "token") else None
            return self.people.get(uid) if uid is not None else None

    def _find(self, login: str) -> Person | None:
        with self._lock:
            return next((p for p in self.people.values() if p.login.casefold() == login.casefold()), None)

    def _named(self, login: str) -> Person:
        person = next((p for p in self.people.values() if p.login.casefold() == login.casefold()), None)
        if person is None:
            raise KeyError(login)
        return person

    def _by_user_code(self, user_code: str) -> DeviceCode:
        wanted = user_code.strip().upper()
        code = next((c for c in self._codes.values() if c.user_code == wanted and c.state == "pending"), None)
        if code is None:
            raise KeyError(user_code)
        return code


def _user(person: Person) -> dict[str, Any]:
    return {"login": person.login, "id": person.user_id, "type": "User", "site_admin": False}


def _teams(person: Person) -> list[dict[str, Any]]:
    teams = []
    for name in sorted(person.teams):
        org, slug = name.split("/", 1)
        teams.append(
            {
                "id": int(local_user_id(f"team:{name}")) % 10_000_000,
                "slug": slug,
                "name": slug.replace("-", " ").title(),
                "privacy": "closed",
                "organization": {"login": org, "id": int(local_user_id(f"org:{org}")) % 10_000_000},
            }
        )
    return teams


def organization_id(login: str) -> int:
    """The stand-in's id of an organization (stable per login, as GitHub's ids are per account)."""
    return int(local_user_id(f"org:{login}")) % 10_000_000


def _orgs(person: Person) -> list[dict[str, Any]]:
    return [{"login": org, "id": organization_id(org)} for org in sorted(person.organizations)]


def parse_form(body: bytes, content_type: str) -> dict[str, str]:
    """A request's fields: GitHub's OAuth endpoints take form fields or JSON alike."""
    if "json" in content_type:
        data = json.loads(body or b"{}")
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
