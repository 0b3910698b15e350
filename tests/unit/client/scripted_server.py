"""A keep-alive HTTP/1.1 server on 127.0.0.1 that misbehaves on cue, the way real servers and proxies do.

``script(n)`` decides what happens to the n-th request (1-based) on each connection:

* ``"answer"``: a complete JSON answer; the connection stays open.
* ``"answer-and-close"``: a complete answer without ``Connection: close``, then the server closes
  the connection (a keep-alive timeout that strikes right away).
* ``"drop"``: the request arrives and the server closes the connection without reading it or
  answering (an idle timeout racing the request).
* ``"cut"``: the status line, headers and part of the body, then the connection closes.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Callable

Script = Callable[[int], str]


class ScriptedServer:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.answered = 0  # requests read in full (answered or cut)
        self.closed = threading.Semaphore(0)  # released each time the server closed a connection
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        reader = conn.makefile("rb")
        try:
            number = 0
            while True:
                number += 1
                action = self.script(number)
                if action == "drop":
                    reader.peek(1)  # the request is arriving; close without reading it
                    return
                if not self._read_request(reader):
                    return
                with self._lock:
                    self.answered += 1
                body = json.dumps({"request": number}).encode()
                head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                if action == "cut":
                    conn.sendall(head.encode() + body[:3])
                    return
                conn.sendall(head.encode() + body)
                if action == "answer-and-close":
                    return
        except OSError:
            return
        finally:
            reader.close()
            conn.close()
            self.closed.release()

    @staticmethod
    def _read_request(reader: io.BufferedReader) -> bool:
        length = 0
        line = reader.readline()
        if not line:
            return False
        while True:
            line = reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length:
            reader.read(length)
        return True
