"""moto's server (DynamoDB, S3, SSM, SQS, …) on a socket the stack already bound.

moto's ``ThreadedMotoServer`` binds inside its thread and waits on an event with no timeout:
when the port is taken the thread dies and ``start()`` never returns. Serving moto's WSGI app
with werkzeug on a socket bound beforehand has no such wait.
"""

from __future__ import annotations

import socket
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server


class MotoServer:
    """Serves moto on ``sock`` (which it takes over) in a daemon thread."""

    def __init__(self, sock: socket.socket) -> None:
        host, port = sock.getsockname()[:2]
        app = DomainDispatcherApplication(create_backend_app)
        # werkzeug duplicates the descriptor; the original is closed once the server holds its own.
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=MotoRequestHandler, fd=sock.fileno()
        )
        sock.close()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="modelyard-moto", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> MotoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
