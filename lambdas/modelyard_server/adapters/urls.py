"""Which URLs the server may call: https anywhere, plain http only to this machine (the local stack)."""

from __future__ import annotations

import ipaddress
import urllib.parse


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_safe_to_call(url: str) -> bool:
    """https, or http to a loopback address (exact host match: `localhost.evil.com` is not loopback)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and is_loopback_host(parts.hostname)
