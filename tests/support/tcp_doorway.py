"""A TCP forwarder to a local server that can be shut, so "the server's address refuses connections"
can happen to a client that already used that address (and keyed state by it)."""

from __future__ import annotations

import contextlib
import socket
import threading


class Doorway:
    """A TCP forwarder to the registry that can be shut: afterwards its port refuses connections."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                inbound, _ = self.listener.accept()
            except OSError:
                return  # shut
            outbound = socket.create_connection(("127.0.0.1", self.target_port))
            for source, sink in ((inbound, outbound), (outbound, inbound)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def shut(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); a bare close() would not stop it
        self.listener.close()
