"""Fetching an artifact from a presigned URL, verified before it gets its final name.

Bytes stream into a temporary file next to the destination while being hashed; only
when size and sha256 match what the registry declared is the file renamed into place.
On any mismatch or failure the temporary file is removed and nothing is left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from modelyard.errors import ClientError, DigestMismatch
from modelyard.progress import Progress
from modelyard.transport import (
    CONNECTION_ERRORS,
    RETRY_STATUSES,
    USER_AGENT,
    RetryableFailure,
    RetryPolicy,
    call_with_retries,
    describe_failure,
    redact_url,
)

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class VerifiedDownload:
    """A downloaded file whose bytes matched the registry's size and sha256 (no need to hash it again)."""

    path: Path
    sha256: str
    size: int


def _fetch_once(url: str, target: Path, policy: RetryPolicy, progress: Progress | None) -> tuple[str, int, Path]:
    """One attempt: stream ``url`` into a temp file beside ``target``; (sha256, size, temp path)."""
    temp = target.parent / f".{target.name}.{secrets.token_hex(4)}.part"
    # 0o666 less the umask, like any file the user creates (a temp file's 0600 would stick after the rename)
    handle = os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb")
    digest = hashlib.sha256()
    received = 0

    def forget() -> None:
        temp.unlink(missing_ok=True)
        if progress is not None:
            progress.update(-received)

    try:
        req = urllib.request.Request(url, method="GET")  # noqa: S310 - presigned URL from the registry
        req.add_header("User-Agent", USER_AGENT)
        with handle, urllib.request.urlopen(req, timeout=policy.timeout) as resp:  # noqa: S310
            while chunk := resp.read(CHUNK_SIZE):
                digest.update(chunk)
                handle.write(chunk)
                received += len(chunk)
                if progress is not None:
                    progress.update(len(chunk))
    except urllib.error.HTTPError as exc:
        forget()
        if exc.code in RETRY_STATUSES or exc.code >= 500:
            raise RetryableFailure(f"HTTP {exc.code}") from None
        hint = " (the link may have expired; run the download again)" if exc.code == 403 else ""
        raise ClientError(f"storage refused the download of {redact_url(url)}: HTTP {exc.code}{hint}") from None
    except CONNECTION_ERRORS as exc:
        forget()
        raise RetryableFailure(describe_failure(exc, policy.timeout)) from None
    except BaseException:
        forget()
        raise
    return digest.hexdigest(), received, temp


def download_file(
    url: str,
    dest: str | os.PathLike[str],
    *,
    sha256: str,
    size: int | None,
    policy: RetryPolicy | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> Path:
    """Stream ``url`` to ``dest``, verify it, and return ``dest`` (see :func:`fetch_verified`)."""
    found = fetch_verified(url, dest, sha256=sha256, size=size, policy=policy, progress=progress, overwrite=overwrite)
    return found.path


def fetch_verified(
    url: str,
    dest: str | os.PathLike[str],
    *,
    sha256: str,
    size: int | None,
    policy: RetryPolicy | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> VerifiedDownload:
    """Stream ``url`` to ``dest`` and verify it, hashing the bytes once, as they arrive.

    Raises :class:`DigestMismatch` (and leaves no file) when the bytes are not the
    declared ones, and :class:`ClientError` before downloading anything when ``dest``
    exists and ``overwrite`` is false.
    """
    target = Path(dest)
    _refuse_to_replace(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    policy = policy or RetryPolicy(attempts=3, timeout=120.0)
    expected = sha256.lower().removeprefix("sha256:")
    actual, received, temp = call_with_retries(
        lambda: _fetch_once(url, target, policy, progress), policy=policy, url=url
    )
    try:
        if size is not None and received != size:
            raise DigestMismatch(
                f"downloaded {received} bytes but the registry declared {size}; the file was deleted, try again"
            )
        if actual != expected:
            raise DigestMismatch(
                f"downloaded bytes have sha256 {actual} but the registry declared {expected}; "
                "the file was deleted — the stored artifact may be corrupt, tell the registry's admins"
            )
        _refuse_to_replace(target, overwrite)  # it may have appeared during the download
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return VerifiedDownload(target, actual, received)


def _refuse_to_replace(target: Path, overwrite: bool) -> None:
    if not overwrite and (target.exists() or target.is_symlink()):
        raise ClientError(
            f"{target} already exists; download elsewhere, or replace it with --force (Python: overwrite=True)"
        )
