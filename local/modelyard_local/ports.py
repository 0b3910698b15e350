"""Listening sockets for the local stack, bound before any part starts.

Binding every port first means a taken port fails at once, with its number, instead of after
moto and the issuer are up (or never: moto's own server binds in a thread and waits for it
forever when the bind fails).
"""

from __future__ import annotations

import socket

_LABELS = {"api": "API", "issuer": "token issuer", "moto": "moto (AWS stand-in)"}


class PortUnavailable(OSError):
    """A port of the local stack cannot be listened on; ``part`` says which one ("api", "issuer", "moto")."""

    def __init__(self, part: str, host: str, port: int, reason: str) -> None:
        super().__init__(f"the {_LABELS.get(part, part)} port {port} on {host} is not available ({reason})")
        self.part = part
        self.host = host
        self.port = port
        self.reason = reason


def listen_on(part: str, host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (0: a free port the OS picks), or :class:`PortUnavailable`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelt out: asyncio sets TCP_NODELAY only on sockets that say so, and without it
    # uvicorn's separate header and body writes wait on a kept-alive client's delayed ACK (40 ms)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    # SO_REUSEADDR lets a restarted stack take ports still in TIME_WAIT; it never shares a listening port.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise PortUnavailable(part, host, port, error.strerror or str(error)) from error
    return sock
