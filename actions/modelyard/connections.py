"""Kept-alive HTTP connections for the JSON API: one TLS handshake per thread, not one per call.

:class:`KeepAliveOpener` stands in for ``urllib.request.build_opener()`` in the transport and keeps
its semantics: a non-2xx answer goes through urllib's own error handlers (so redirects are
followed exactly as urllib follows them, and every other status raises ``HTTPError``); when a
proxy applies to the URL (``urllib.request.getproxies()``, ``no_proxy``) the request goes through
urllib unchanged; certificates are verified with the default context, as urllib does.

Each thread keeps at most one idle connection per (scheme, host, port), so concurrent callers
never share one. A connection goes back to the pool only after its answer was read completely;
any error while sending or reading closes it.

A kept-alive connection may have been closed by the server while it sat idle (keep-alive
timeouts: uvicorn 5 s, load balancers ~60 s). Before reuse it is polled: an idle socket that
turned readable was closed (or got junk) and is dropped. If the server closes it in the moment
between that check and our request, the request fails before any byte of an answer arrives;
it is then sent once more, on a fresh connection, without counting as a retry attempt. That is
safe for every method: a server answers a request it has processed, so closing without a byte
of answer means it dropped the idle connection rather than acting on the request; and should a
server have crashed mid-request instead, the transport's own retries would have sent the request
again anyway (connection errors are retried for every method), so nothing new can be repeated.
A failure after the first byte of the answer is never retried here.
"""

from __future__ import annotations

import http.client
import io
import os
import select
import socket
import ssl
import threading
import urllib.request
import urllib.response
import weakref
from dataclasses import dataclass
from email.message import Message
from typing import Protocol

Key = tuple[int, str, str]  # (thread id, scheme, "host:port")


class StreamedBody(Protocol):
    """A request body too large to hold in memory (a file's range): it writes itself onto the socket.

    ``send_over`` starts from its first byte each time: a request on a kept-alive connection that the
    server had dropped is sent once more, on a fresh one. The caller sets ``Content-Length``.
    """

    def send_over(self, sock: socket.socket) -> None: ...


class NothingAnswered(ConnectionError):
    """The connection failed before a byte of the answer arrived; ``original`` is what failed."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


class _WatchedResponse(http.client.HTTPResponse):
    """Tells "closed before answering" apart from "failed mid-answer" (only the first is retried)."""

    def begin(self) -> None:
        try:
            first = self.fp.peek(1)
        except (ConnectionResetError, ConnectionAbortedError) as exc:
            raise NothingAnswered(exc) from exc
        if not first:
            raise NothingAnswered(http.client.RemoteDisconnected("Remote end closed connection without response"))
        super().begin()


class _HTTPConnection(http.client.HTTPConnection):
    response_class = _WatchedResponse


class _HTTPSConnection(http.client.HTTPSConnection):
    response_class = _WatchedResponse


def verifying_context() -> ssl.SSLContext:
    """What ``http.client`` builds per connection when urllib opens https: verify certificates and host names."""
    context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])
    if context.post_handshake_auth is not None:
        context.post_handshake_auth = True
    return context


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes


def _closed_while_idle(sock: socket.socket) -> bool:
    """An idle keep-alive socket has nothing to read: readable means the server closed it (or sent junk)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([sock], [], [], 0)  # Windows runners
    return bool(readable)


def _acknowledge_promptly(sock: socket.socket | None) -> None:
    """Ask Linux to ACK the answer's first segment at once instead of after its delayed-ACK timer (40 ms).

    Servers that write an answer's headers and body separately with Nagle's algorithm on (Python's
    http.server; asyncio servers on a listener made without IPPROTO_TCP, e.g. uvicorn on a handed-in
    socket) hold the body until the headers are acknowledged. On a new connection Linux ACKs at
    once; on a kept-alive one it waits, which would cost ~40 ms per call. Quick-ACK mode does not
    stick, hence once per request.
    """
    if sock is not None and hasattr(socket, "TCP_QUICKACK"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


def _stream_request(
    conn: http.client.HTTPConnection, method: str, target: str, body: StreamedBody, headers: dict[str, str]
) -> None:
    """``conn.request`` for a body that sends itself (http.client would copy a file through 8 KiB reads)."""
    names = {name.lower() for name in headers}
    conn.putrequest(method, target, skip_host="host" in names, skip_accept_encoding="accept-encoding" in names)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    if conn.sock is None:
        raise http.client.NotConnected("the connection closed before the body could be sent")
    body.send_over(conn.sock)


def _close_all(idle: dict[Key, tuple[threading.Thread, http.client.HTTPConnection]], lock: threading.Lock) -> None:
    with lock:
        connections = [conn for _, conn in idle.values()]
        idle.clear()
    for conn in connections:
        conn.close()


class ConnectionPool:
    """At most one idle connection per thread and (scheme, host, port).

    Closed by :meth:`close`, when the pool is garbage-collected, and at interpreter exit.
    """

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self._context = context
        self._lock = threading.Lock()
        self._idle: dict[Key, tuple[threading.Thread, http.client.HTTPConnection]] = {}
        self._pid = os.getpid()
        # weakref.finalize also runs at interpreter exit; it holds the idle map, not the pool
        self._finalizer = weakref.finalize(self, _close_all, self._idle, self._lock)

    def close(self) -> None:
        """Close the idle connections (of every thread). The pool stays usable."""
        _close_all(self._idle, self._lock)

    @property
    def idle_connections(self) -> int:
        with self._lock:
            return len(self._idle)

    def ssl_context(self) -> ssl.SSLContext:
        # built once: loading the CA bundle costs milliseconds, and contexts are safe to share
        if self._context is None:
            self._context = verifying_context()
        return self._context

    def exchange(
        self,
        method: str,
        scheme: str,
        host: str,
        target: str,
        body: bytes | StreamedBody | None,
        headers: dict[str, str],
        timeout: float,
    ) -> Answer:
        """Send one request and read its whole answer, on this thread's idle connection if it has one."""
        key = (threading.get_ident(), scheme, host)
        conn = self._checkout(key, timeout)
        if conn is not None:
            try:
                return self._exchange_on(conn, key, method, target, body, headers)
            except NothingAnswered:
                pass  # the server dropped the idle connection: once more on a fresh one (module docstring)
        conn = self._connect(scheme, host, timeout)
        try:
            return self._exchange_on(conn, key, method, target, body, headers)
        except NothingAnswered as exc:
            raise exc.original from None

    def _exchange_on(
        self,
        conn: http.client.HTTPConnection,
        key: Key,
        method: str,
        target: str,
        body: bytes | StreamedBody | None,
        headers: dict[str, str],
    ) -> Answer:
        try:
            try:
                if body is None or isinstance(body, bytes):
                    conn.request(method, target, body, headers)
                else:
                    _stream_request(conn, method, target, body, headers)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as exc:
                raise NothingAnswered(exc) from exc
            _acknowledge_promptly(conn.sock)
            response = conn.getresponse()
            data = response.read()
        except BaseException:
            conn.close()  # never reuse a connection whose exchange failed part-way
            raise
        if response.will_close or conn.sock is None:
            conn.close()
        else:
            self._checkin(key, conn)
        return Answer(response.status, response.reason, response.headers, data)

    def _checkout(self, key: Key, timeout: float) -> http.client.HTTPConnection | None:
        if os.getpid() != self._pid:  # a forked child must not talk on its parent's sockets
            self._forget_inherited()
        with self._lock:
            entry = self._idle.pop(key, None)
        if entry is None:
            return None
        conn = entry[1]
        if conn.sock is None or _closed_while_idle(conn.sock):
            conn.close()
            return None
        conn.timeout = timeout
        conn.sock.settimeout(timeout)
        return conn

    def _checkin(self, key: Key, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            previous = self._idle.get(key)
            self._idle[key] = (threading.current_thread(), conn)
        if previous is not None and previous[1] is not conn:
            previous[1].close()

    def _connect(self, scheme: str, host: str, timeout: float) -> http.client.HTTPConnection:
        self.close_orphans()
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = _HTTPSConnection(host, timeout=timeout, context=self.ssl_context())
        else:
            conn = _HTTPConnection(host, timeout=timeout)
        try:
            conn.connect()
        except BaseException:
            conn.close()
            raise
        return conn

    def close_orphans(self) -> None:
        """Close the idle connections of threads that have ended: they will never be used again."""
        with self._lock:
            orphans = [key for key, (owner, _) in self._idle.items() if not owner.is_alive()]
            connections = [self._idle.pop(key)[1] for key in orphans]
        for conn in connections:
            conn.close()

    def _forget_inherited(self) -> None:
        with self._lock:
            connections = [conn for _, conn in self._idle.values()]
            self._idle.clear()
            self._pid = os.getpid()
        for conn in connections:
            conn.close()  # closes this process's descriptor only: no shutdown, the parent's socket lives on


class KeepAliveOpener:
    """``build_opener().open(req).read()`` on kept-alive connections, with urllib's errors and redirects."""

    def __init__(self, pool: ConnectionPool | None = None) -> None:
        self.pool = pool or ConnectionPool()
        self._urllib = urllib.request.build_opener()
        self._proxies = urllib.request.getproxies()  # read once, as build_opener's ProxyHandler does

    def close(self) -> None:
        self.pool.close()

    def read(self, req: urllib.request.Request, timeout: float, answer_headers: dict[str, str] | None = None) -> bytes:
        """The whole body of a 2xx answer; ``urllib.error.HTTPError`` for others, as ``urlopen`` raises.

        ``answer_headers``, when given, receives the 2xx answer's headers (names lower-cased).
        """
        if self._proxied(req):
            with self._urllib.open(req, timeout=timeout) as resp:
                if answer_headers is not None:
                    answer_headers.update({k.lower(): v for k, v in resp.headers.items()})
                return bytes(resp.read())
        headers = {name.title(): value for name, value in req.header_items()}  # urllib's spelling on the wire
        answer = self.pool.exchange(req.get_method(), req.type, req.host, req.selector, _body(req), headers, timeout)
        if 200 <= answer.status < 300:
            if answer_headers is not None:
                answer_headers.update({k.lower(): v for k, v in answer.headers.items()})
            return answer.body
        # urllib's own error chain: follows redirects it would follow (through urllib), else raises HTTPError
        req.timeout = timeout
        message: Message = answer.headers
        reply = urllib.response.addinfourl(io.BytesIO(answer.body), message, req.full_url, answer.status)
        with self._urllib.error("http", req, reply, answer.status, answer.reason, message) as resp:
            return bytes(resp.read())

    def _proxied(self, req: urllib.request.Request) -> bool:
        if req.type not in self._proxies:
            return False
        return not (req.host and urllib.request.proxy_bypass(req.host))


def _body(req: urllib.request.Request) -> bytes | None:
    data = req.data
    if data is None or isinstance(data, bytes):
        return data
    raise TypeError("the JSON transport sends bytes bodies only")
