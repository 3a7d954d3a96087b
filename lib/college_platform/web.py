"""nameko's HTTP server with a graceful stop.

nameko stops a container by stopping its entrypoints, waiting for running
workers, stopping dependencies and only then the web server, which kills
every connection thread. A request accepted after the workers were counted,
or whose response was still being written, is cut off: the client sees the
connection closed without a response. Here the first entrypoint to stop
closes the listening socket (new clients are refused and go elsewhere), later
responses close their connection, and the stop waits for the requests
already accepted to be answered: those being read or run, and those of
connections the kernel had completed but the server not yet taken (closing
the socket would reset them after their clients sent a request).
"""
import logging
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import eventlet
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer

log = logging.getLogger(__name__)

DRAIN_SECONDS = 8.0


class GracefulWebServer(WebServer):

    _is_accepting: bool

    def setup(self) -> None:
        super().setup()
        self._requests_in_flight = 0
        self._unread_connections: set[Any] = set()  # accepted, first request not begun yet

    def get_wsgi_server(self, sock: Any, wsgi_app: Callable[..., Iterable[bytes]],
                        **options: Any) -> Any:
        def counting(environ: dict[str, Any], start_response: Callable[..., Any]
                     ) -> Iterable[bytes]:
            self._unread_connections.discard(
                (environ.get("REMOTE_ADDR"), int(environ.get("REMOTE_PORT") or 0)))
            self._requests_in_flight += 1
            try:
                return wsgi_app(environ, start_response)
            finally:
                self._requests_in_flight -= 1

        return super().get_wsgi_server(sock, counting, **options)

    def process_request(self, sock: Any, address: Any) -> Any:
        key = (address[0], address[1]) if isinstance(address, tuple) else address
        self._unread_connections.add(key)
        try:
            return super().process_request(sock, address)
        finally:
            self._unread_connections.discard(key)

    def unregister_provider(self, provider: Any) -> None:
        self._close_door()
        self._drain()
        super().unregister_provider(provider)

    def _close_door(self) -> None:
        if not self._is_accepting:
            return
        self._is_accepting = False
        if self._serv is not None:
            self._serv.keepalive = False  # every later response closes its connection
        if self._gt is not None:
            self._gt.kill()
        if self._sock is not None:
            self._take_waiting_connections()
            self._sock.close()

    def _take_waiting_connections(self) -> None:
        self._sock.setblocking(False)
        while True:
            try:
                sock, address = self._sock.accept()
            except OSError:  # none left waiting
                return
            sock.settimeout(self._serv.socket_timeout)
            self.container.spawn_managed_thread(partial(self.process_request, sock, address))

    def _drain(self) -> None:
        deadline = time.monotonic() + DRAIN_SECONDS
        while (self._requests_in_flight or self._unread_connections) and \
                time.monotonic() < deadline:
            eventlet.sleep(0.01)
        if self._requests_in_flight or self._unread_connections:
            log.warning("stopping with %d request(s) still running and %d connection(s) "
                        "unread", self._requests_in_flight, len(self._unread_connections))

    def stop(self) -> None:
        self._close_door()
        self._drain()
        eventlet.sleep(0.05)  # let the last responses leave their sockets
        super().stop()


class GracefulHttpRequestHandler(HttpRequestHandler):
    server = GracefulWebServer()


http = GracefulHttpRequestHandler.decorator
