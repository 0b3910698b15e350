"""``modelyard.fetch(uri) -> Path``: a registry model as a local, verified file or directory.

Resolves the URI (with ``If-None-Match`` when the cache holds the last answer's ETag), downloads
the artifact once into the shared cache (:mod:`modelyard.cache`), unpacks a directory artifact,
and checks the cached bytes against their digest on every call, downloading again what no longer
matches. When the registry cannot be reached (connection refused, timeout, 5xx) a URI this cache
has resolved before is served from the cache, with a warning naming the version and when it was
resolved; a URI it never resolved is an error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.cache import ModelCache, Resolution, check_digest, default_cache_dir, max_bytes_from, now_iso
from modelyard.errors import ClientError, RegistryError, RegistryUnreachable

if TYPE_CHECKING:
    from modelyard.cache import Entry
    from modelyard.client import Client

TARBALL_SUFFIXES = (".tar.gz", ".tgz", ".tar")


class NotCachedOffline(ClientError):
    """The registry cannot be reached and the cache has no verified copy for the URI."""


def _warn(message: str, *args: object) -> None:
    """A warning on the ``modelyard`` logger (stderr unless the application routes logging elsewhere)."""
    import logging  # only when there is something to say: it costs a fetch's start-up ~10 ms

    logging.getLogger("modelyard").warning(message, *args)


def open_cache(cache_dir: str | os.PathLike[str] | None, max_bytes: int | None, env: Mapping[str, str]) -> ModelCache:
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir(env)
    return ModelCache(root, max_bytes if max_bytes is not None else max_bytes_from(env))


def fetch(
    uri: str,
    *,
    client: Client | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    max_bytes: int | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """The local path of the artifact ``uri`` names now (a file, or a directory for a directory artifact).

    ``client`` defaults to ``Client()`` (``$MODELYARD_URL``, ``$MODELYARD_TOKEN``); ``cache_dir`` to
    ``$MODELYARD_CACHE_DIR`` or ``~/.cache/modelyard``; ``max_bytes`` to ``$MODELYARD_CACHE_MAX_BYTES``
    or 10 GiB. Do not write into the returned path: the next fetch would find it changed and download
    it again.
    """
    return fetch_entry(uri, client=client, cache_dir=cache_dir, max_bytes=max_bytes, env=env).path


def fetch_entry(
    uri: str,
    *,
    client: Client | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    max_bytes: int | None = None,
    env: Mapping[str, str] | None = None,
) -> Entry:
    """:func:`fetch`, answering the verified cache entry (its path, digest and format)."""
    environ = os.environ if env is None else env
    if not isinstance(uri, str) or not uri.startswith("models:/"):
        raise ClientError(f"fetch() takes a models:/ URI (e.g. models:/fraud@champion), got {uri!r}")
    cache = open_cache(cache_dir, max_bytes, environ)
    if client is None:
        from modelyard.client import Client

        client = Client(env=environ)
    previous = cache.recall(client.url, uri)
    try:
        resolution = _resolve(client, uri, previous)
    except (RegistryUnreachable, RegistryError) as exc:
        if isinstance(exc, RegistryError) and exc.status < 500:
            raise
        return _offline(cache, uri, previous, exc)
    entry = _materialize(client, cache, resolution)
    cache.remember(client.url, resolution)
    return entry


def _resolve(client: Client, uri: str, previous: Resolution | None) -> Resolution:
    answer, etag = client.resolve_if_changed(uri, previous.etag if previous is not None else None)
    if answer is None and previous is not None:  # 304: the URI still names what it named
        return Resolution(**{**previous.__dict__, "resolved_at": now_iso(), "etag": etag})
    return _resolution_of(uri, answer or {}, etag)


def _resolution_of(uri: str, answer: Mapping[str, Any], etag: str | None) -> Resolution:
    nested = answer.get("artifact")
    facts = {
        **(nested if isinstance(nested, dict) else {}),
        **answer,
    }  # a version summary carries the artifact's facts at the top, a version inside
    try:
        return Resolution(
            uri=uri,
            model=str(facts["model"]),
            version=int(facts["version"]),
            sha256=check_digest(str(facts["sha256"])),
            size=int(facts["size"]),
            format=str(facts.get("format") or "other"),
            resolved_at=now_iso(),
            etag=etag,
        )
    except (KeyError, TypeError, ValueError):
        raise ClientError(f"the registry's answer for {uri} lacks the version's digest, size or number") from None


def _materialize(client: Client, cache: ModelCache, resolution: Resolution) -> Entry:
    """The verified entry for the resolution's digest, downloaded (once, whoever else asks) when needed."""
    with cache.locked(resolution.sha256, shared=True):  # the usual case: present and intact, checked side by side
        found = _use_if_intact(cache, resolution.sha256)
    if found is not None:
        return found
    with cache.locked(resolution.sha256):  # one process downloads or repairs; the others wait, then find it done
        found = _use_if_intact(cache, resolution.sha256)
        if found is not None:
            return found
        if cache.entry(resolution.sha256) is not None:
            _warn(
                "modelyard: the cached copy of %s (sha256 %s) no longer matches its digest; downloading it again",
                resolution.uri,
                resolution.sha256[:12],
            )
        if resolution.size > cache.max_bytes:
            raise ClientError(
                f"{resolution.uri} is {resolution.size} bytes, more than the cache's bound of {cache.max_bytes}; "
                "raise MODELYARD_CACHE_MAX_BYTES (or pass max_bytes=) to fetch it"
            )
        cache.make_room(resolution.size, keep=resolution.sha256)
        entry = _download_entry(client, cache, resolution)
        cache.pin(entry.sha256)
    cache.make_room(0, keep=entry.sha256)  # an unpacked tree may take more room than its archive did
    return entry


def _use_if_intact(cache: ModelCache, sha256: str) -> Entry | None:
    """The entry, marked used and pinned for this process, when its bytes are still the verified ones."""
    entry = cache.entry(sha256)
    if entry is None or not cache.intact(entry):
        return None
    cache.touch(entry)
    cache.pin(sha256)
    return entry


def _download_entry(client: Client, cache: ModelCache, resolution: Resolution) -> Entry:
    from modelyard.download import fetch_verified
    from modelyard.progress import Progress

    info = client.download_info(resolution.model, resolution.version)
    if check_digest(str(info.get("sha256", ""))) != resolution.sha256:
        raise ClientError(
            f"the registry resolved {resolution.uri} to sha256 {resolution.sha256} but offers bytes with "
            f"{info.get('sha256')} for version {resolution.version}; try again"
        )
    filename = _plain_name(str(info.get("filename") or ""), f"{resolution.model}-{resolution.version}")
    progress = Progress(resolution.size, f"downloading {filename}", enabled=client.progress)
    with cache.building() as built:
        is_tree = resolution.format == "tarball"
        target = built / (".archive" if is_tree else filename)
        try:
            fetch_verified(str(info["url"]), target, sha256=resolution.sha256, size=resolution.size, progress=progress)
        finally:
            progress.close()
        if not is_tree:
            return cache.install(resolution.sha256, built, filename, "file", resolution.format, None)
        from modelyard.unpack import unpack_tarball

        folder = _tree_name(filename)
        manifest = unpack_tarball(target, built / folder, max_bytes=cache.max_bytes)
        target.unlink()
        return cache.install(resolution.sha256, built, folder, "tree", resolution.format, manifest)


def _plain_name(name: str, fallback: str) -> str:
    """A file name that stays in its folder and cannot be taken for the entry's own record."""
    plain = Path(name.replace("\\", "/")).name
    if plain in ("", ".", "..") or plain.startswith(".") or plain == "entry.json":
        return fallback
    return plain


def _tree_name(filename: str) -> str:
    for suffix in TARBALL_SUFFIXES:
        if filename.lower().endswith(suffix) and len(filename) > len(suffix):
            return filename[: -len(suffix)]
    return "model"


def _offline(cache: ModelCache, uri: str, previous: Resolution | None, failure: Exception) -> Entry:
    reason = str(failure)
    if previous is None:
        raise NotCachedOffline(
            f"cannot fetch {uri}: {reason}; and this cache ({cache.root}) has never resolved that URI, so "
            "there is no copy to fall back on (fetch it once while the registry is reachable)"
        ) from failure
    with cache.locked(previous.sha256, shared=True):
        entry = _use_if_intact(cache, previous.sha256)
    if entry is None:
        raise NotCachedOffline(
            f"cannot fetch {uri}: {reason}; the cached copy of {previous.model} version {previous.version} "
            f"(resolved at {previous.resolved_at}) is gone or damaged and cannot be downloaded again now"
        ) from failure
    _warn(
        "modelyard: the registry cannot be reached (%s); using %s version %s for %s from the local cache, "
        "as the registry resolved it at %s (it may have moved since)",
        reason,
        previous.model,
        previous.version,
        uri,
        previous.resolved_at,
    )
    return entry
