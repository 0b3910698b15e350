"""Expiring transfer URLs signed with HMAC-SHA256: what S3's presigned URLs are to the file blob store.

A URL names one operation on one blob (`/_blobs/<op>/<key>`) and carries its terms in the query
(declared size and SHA-256, upload id and part number, download filename) with `expires` (epoch
seconds) and `signature`. The signature covers the method, the path and every other query parameter,
so changing, adding or dropping any of them, or using the URL with another method, voids it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlencode

PREFIX = "/_blobs/"
SIGNATURE = "signature"
EXPIRES = "expires"


class TransferRefused(Exception):
    """A transfer request the store will not serve: `status` is the HTTP answer, the message says why."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


def _canonical(method: str, path: str, params: Mapping[str, str]) -> bytes:
    terms = urlencode(sorted(params.items()))
    return f"{method.upper()}\n{path}\n{terms}".encode()


class UrlSigner:
    """Signs transfer URLs under `base_url` and checks the ones that come back."""

    def __init__(self, key: bytes, base_url: str, clock: Callable[[], float] = time.time) -> None:
        if len(key) < 16:
            raise ValueError("the blob signing key must be at least 16 bytes")
        self._key = key
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    def _signature(self, method: str, path: str, params: Mapping[str, str]) -> str:
        return hmac.new(self._key, _canonical(method, path, params), hashlib.sha256).hexdigest()

    def sign(self, method: str, op: str, key: str, params: Mapping[str, str], ttl: int) -> str:
        path = f"{PREFIX}{op}/{key}"
        terms = {**params, EXPIRES: str(int(self._clock()) + ttl)}
        terms[SIGNATURE] = self._signature(method, path, terms)
        return f"{self._base_url}{path}?{urlencode(terms)}"

    def verify(self, method: str, path: str, query: str) -> dict[str, str]:
        """The URL's terms (without expiry and signature) if it is ours, unaltered and unexpired."""
        try:
            pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query), errors="strict")
        except (ValueError, UnicodeDecodeError):
            raise TransferRefused(403, "Bad signature", "the transfer URL's query is malformed") from None
        terms = dict(pairs)
        if len(terms) != len(pairs):
            raise TransferRefused(403, "Bad signature", "the transfer URL repeats a query parameter")
        given = terms.pop(SIGNATURE, "")
        expected = self._signature(method, path, terms)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise TransferRefused(
                403,
                "Bad signature",
                f"this URL was not signed by this registry for a {method.upper()} as it stands "
                "(altered, truncated or used with another method); ask the registry for a new one",
            )
        expires = terms.pop(EXPIRES, "")
        if not expires.isdigit() or int(expires) < self._clock():
            raise TransferRefused(403, "URL expired", "this transfer URL has expired; ask the registry for a new one")
        return terms
