"""GitHub REST with a person's own token: who they are, their teams and organizations (for sign-in).

The token is sent to GitHub and nowhere else; it is never logged, stored, or echoed in an error.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

from modelyard_server.adapters.urls import is_safe_to_call
from modelyard_server.ports.identity import GitHubIdentity, GitHubTokenRefused, GitHubUnreachable

API_VERSION = "2022-11-28"
TIMEOUT_SECONDS = 10
PAGE_SIZE = 100
MAX_PAGES = 10  # a thousand teams is more than any session token should carry
NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubUserApi:
    """`GET /user`, `/user/teams` and `/user/orgs`, as the token's user."""

    def __init__(self, api_url: str = "https://api.github.com") -> None:
        self._api_url = api_url.rstrip("/")

    def identify(self, user_token: str) -> GitHubIdentity:
        user = self._get(f"{self._api_url}/user", user_token)[0]
        if not isinstance(user, dict) or not isinstance(user.get("id"), int) or not user.get("login"):
            raise GitHubUnreachable("GitHub's /user answer has no id and login")
        teams = {
            f"{str(team['organization']['login']).lower()}/{str(team['slug']).lower()}"
            for team in self._pages("/user/teams", user_token)
            if isinstance(team, dict) and isinstance(team.get("organization"), dict) and team.get("slug")
        }
        orgs = [org for org in self._pages("/user/orgs", user_token) if isinstance(org, dict) and org.get("login")]
        organizations = {str(org["login"]).lower() for org in orgs} | {team.split("/", 1)[0] for team in teams}
        organization_ids = {str(org["login"]).lower(): str(org["id"]) for org in orgs if isinstance(org.get("id"), int)}
        return GitHubIdentity(
            user_id=int(user["id"]),
            login=str(user["login"]),
            teams=tuple(sorted(teams)),
            organizations=tuple(sorted(organizations)),
            organization_ids=tuple(sorted(organization_ids.items())),
        )

    def _pages(self, path: str, token: str) -> list[Any]:
        items: list[Any] = []
        url: str | None = f"{self._api_url}{path}?per_page={PAGE_SIZE}"
        for _ in range(MAX_PAGES):
            if url is None:
                break
            page, link = self._get(url, token)
            if not isinstance(page, list):
                raise GitHubUnreachable(f"GitHub's {path} answer is not a list")
            items.extend(page)
            found = NEXT_LINK.search(link)
            # follow GitHub's next link only on the API's own host: the token goes nowhere else
            url = found.group(1) if found and found.group(1).startswith(self._api_url + "/") else None
        return items

    def _get(self, url: str, token: str) -> tuple[Any, str]:
        if not is_safe_to_call(url):
            raise GitHubUnreachable(f"refusing to call GitHub over plain HTTP: {self._api_url}")
        request = urllib.request.Request(url, method="GET")  # noqa: S310 - scheme checked above
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", API_VERSION)
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("User-Agent", "modelyard")
        path = url.removeprefix(self._api_url).split("?", 1)[0]
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.loads(response.read(4 * 1024 * 1024)), response.headers.get("Link", "")
        except urllib.error.HTTPError as error:
            headers, status = error.headers, error.code
            error.close()
            if status == 401:
                raise GitHubTokenRefused("GitHub did not accept the token: revoked or expired") from None
            if status in (403, 429) and (headers.get("Retry-After") or headers.get("X-RateLimit-Remaining") == "0"):
                raise GitHubUnreachable(f"GitHub's rate limit for {path}", retry_after(headers)) from None
            if status == 403:
                raise GitHubTokenRefused(f"GitHub refused {path} to this token (it needs the read:org scope)") from None
            raise GitHubUnreachable(f"GitHub answered {status} to GET {path}") from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            raise GitHubUnreachable(f"GitHub could not be reached for GET {path}: {type(error).__name__}") from None


def retry_after(headers: Any) -> int:
    """Seconds to wait before asking GitHub again: its Retry-After, else until its rate limit resets, else a minute."""
    if str(headers.get("Retry-After") or "").isdigit():
        return max(1, int(headers["Retry-After"]))
    reset = str(headers.get("X-RateLimit-Reset") or "")
    return max(1, min(3600, int(reset) - int(time.time()))) if reset.isdigit() else 60
