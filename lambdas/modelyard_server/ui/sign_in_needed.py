"""The one exception a page raises to send the browser to sign in (light: the error mapping imports it)."""

from __future__ import annotations


class SignInNeeded(Exception):
    """The page needs a signed-in person; the browser is sent to sign in and brought back to `next_page`."""

    def __init__(self, next_page: str) -> None:
        super().__init__(next_page)
        self.next_page = next_page
