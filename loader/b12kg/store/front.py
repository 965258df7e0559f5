"""The HTTP front of `b12kg serve`: checks each request, then streams it to an Oxigraph worker and back."""

from __future__ import annotations

import http.client
import select
import socket
import socketserver
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from b12kg.store.guard import federation_problem, foreign_request, query_texts
from b12kg.store.service import is_bare_endpoint

if TYPE_CHECKING:
    from b12kg.store.pool import Pool, Worker
    from b12kg.store.site import StaticFile, StaticSite

__all__ = ["Front", "MAX_BODY", "MAX_CONNECTIONS"]

MAX_BODY = 32 * 1024 * 1024  # bytes of a request body; SPARQL queries are far smaller (Oxigraph's own cap is 128 MB)
MAX_CONNECTIONS = 64  # open client connections; more are answered 503 at once
_CHUNK = 64 * 1024
_DRAIN = 8 * 1024 * 1024  # bytes of an answer read to keep its worker when the client left; a longer one is cut
# What Oxigraph 0.5.13 writes when its own --timeout-s stops a query (measured with curl on `oxigraph
# serve-read-only --timeout-s 2`: a 500 with exactly this body for an ASK, these bytes after the partial results of a
# 200 for a streamed SELECT); see _Handler._stream
_CANCELLED = b"The SPARQL operation has been cancelled"
# RFC 9110 §7.6.1: connection-specific headers are not forwarded; the front frames each side's body itself.
_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
                  "trailer", "transfer-encoding", "upgrade", "content-length", "expect", "host"})


class Front(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server on the public address: one thread per client connection, bounded in number."""

    daemon_threads = True
    allow_reuse_address = True  # Linux: still refuses a port another socket listens on (no SO_REUSEPORT)
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily, allowed: frozenset[str]) -> None:
        self.address_family = family
        self.allowed = allowed
        self.pool: Pool | None = None
        self.site: StaticSite | None = None  # files answered here (the explorer at /); every other path: Oxigraph
        self.allow_service = False
        self.timeout_s = 30.0
        self.description: bytes | None = None  # the service description (Turtle), once the endpoint answers
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skip HTTPServer's reverse DNS lookup of the address
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def attach(self, pool: Pool, *, timeout: float, allow_service: bool) -> None:
        self.pool, self.timeout_s, self.allow_service = pool, timeout, allow_service

    # socketserver types a request as a TCP connection or a UDP (data, socket) pair; this server is TCP
    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        if not self._slots.acquire(blocking=False):
            assert isinstance(request, socket.socket)  # a TCP server's request is its connection
            _refuse_busy(request)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: socket.socket | tuple[bytes, socket.socket],
                               client_address: object) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def _refuse_busy(request: socket.socket) -> None:
    body = b"too many open connections to this endpoint; try again\n"
    try:
        request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    except OSError:
        pass


def _gone(connection: socket.socket) -> bool:
    """True if the client has closed its side: its end of stream is readable now (a request it sent before it gave
    up waiting, e.g. in the listen backlog while the endpoint was starting, is not worth a worker). Like nginx's
    499, this takes a client that half-closes (shutdown(SHUT_WR)) after its request for one that left."""
    poller = select.poll()
    poller.register(connection, select.POLLIN)
    try:
        if not poller.poll(0):
            return False
        # readable now, so this peek does not wait (a timeout socket's recv would wait for data, MSG_DONTWAIT or not)
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True  # reset by the client


def _drained(response: http.client.HTTPResponse) -> bool:
    """After its client left: read the rest of the worker's answer, up to _DRAIN bytes; True if it ended (the
    worker is idle again and stays in the pool), False if it is longer or broken (the worker is replaced)."""
    budget = _DRAIN
    try:
        while budget > 0 and not response.isclosed():
            data = response.read1(min(_CHUNK, budget))
            if not data:
                break
            budget -= len(data)
    except (OSError, http.client.HTTPException):
        return False
    return response.isclosed()


class _Handler(BaseHTTPRequestHandler):
    """One client connection: keep-alive, checks, then a relay to one worker per request."""

    protocol_version = "HTTP/1.1"
    timeout = 120  # seconds a client may stay idle (or stall reading a result) before its connection is closed
    server: Front

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass  # like the Oxigraph server: no per-request log

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        self._proxy()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_GET

    def _proxy(self) -> None:
        refusal = foreign_request(self.headers, self.server.allowed)
        if refusal:
            self._reply(403, refusal, close=True)
            return
        if not self.path.startswith("/"):
            self._reply(400, "the request target must be a path such as /query", close=True)
            return
        body = self._body()
        if body is None:
            return
        description = self.server.description
        if self.command in ("GET", "HEAD") and description is not None and is_bare_endpoint(self.path):
            self._reply(200, description, content_type="text/turtle; charset=utf-8")  # SPARQL 1.1 SD §2
            return
        site = self.server.site
        if site is not None and self.command in ("GET", "HEAD"):
            found = site.find(self.path, self.headers.get("Accept"))
            if found is not None:
                self._file(found)
                return
        if not self.server.allow_service:
            problem = federation_problem(query_texts(self.path, self.headers.get("Content-Type"), body))
            if problem:
                self._reply(403, problem)
                return
        if _gone(self.connection):
            self.close_connection = True  # its client left before an answer (a probe that timed out, say): no worker
            return
        pool = self.server.pool
        assert pool is not None
        worker = pool.acquire(wait=self.server.timeout_s)
        if worker is not None and _gone(self.connection):  # it left while every worker was busy
            pool.release(worker, healthy=True)
            self.close_connection = True
            return
        if worker is None:
            outage = pool.outage()
            if outage is not None:
                self._reply(503, f"{outage.reason}; try again in {outage.retry_after} s", close=True,
                            retry_after=outage.retry_after)
            else:
                self._reply(503, f"all {pool.size} Oxigraph workers of this endpoint are busy; try again",
                            close=True, retry_after=1)
            return
        clean = False
        lease = worker.lease(self.server.timeout_s)
        try:
            clean = self._relay(worker, body, expired=lease.expired, closed=lambda: pool.closed)
        finally:
            lease.end()
            pool.release(worker, healthy=clean and not lease.expired())

    def _body(self) -> bytes | None:
        """The request body (by Content-Length), or None after answering an error."""
        if self.headers.get_all("Transfer-Encoding"):
            self._reply(411, "send the request body with a Content-Length (chunked request bodies are not accepted)",
                        close=True)
            return None
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return b""
        if len(lengths) > 1 or not lengths[0].strip().isdigit():
            self._reply(400, "one Content-Length header with a number is needed", close=True)
            return None
        length = int(lengths[0])
        if length > MAX_BODY:
            self._reply(413, f"request bodies are limited to {MAX_BODY} bytes", close=True)
            return None
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return None
        return body

    def _relay(self, worker: Worker, body: bytes, *, expired: Callable[[], bool], closed: Callable[[], bool]) -> bool:
        """Send the request to the worker and stream its answer back; True if both sides finished cleanly."""
        connection = worker.connect()
        try:
            connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", f"127.0.0.1:{worker.port}")
            connection.putheader("Connection", "close")
            for name, value in self.headers.items():
                if name.lower() not in _HOP:
                    connection.putheader(name, value)
            if body or self.command in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException):
            self._failed(worker, expired=expired(), closed=closed())
            return False
        try:
            return self._stream(response)
        finally:
            worker.disconnect()

    def _failed(self, worker: Worker, *, expired: bool, closed: bool) -> None:
        """Answer a request whose worker gave no answer, saying truthfully why: its deadline (the lease killed the
        worker, 504), the endpoint stopping, the worker's death by another cause, or a live worker that hung up."""
        if expired:
            self._timed_out()
            return
        if closed:
            self._reply(503, "this endpoint is stopping", close=True)
            return
        status = worker.exit_status(wait=1.0)
        if status is None:
            self._reply(502, "the Oxigraph worker behind this endpoint closed the connection without answering; "
                             "try again", close=True)
            return
        how = f"killed by signal {-status}" if status < 0 else f"with status {status}"
        self._reply(502, f"the Oxigraph worker answering this query stopped ({how}) before answering, not because of "
                         "this endpoint's timeout; it is being replaced; try again", close=True, retry_after=1)

    def _timed_out(self) -> None:
        self._reply(504, f"the query ran longer than this endpoint's timeout ({self.server.timeout_s:g} s) "
                         "and was stopped; simplify it, or restart `b12kg serve` with a larger --timeout", close=True)

    def _stream(self, response: http.client.HTTPResponse) -> bool:
        """Copy status, headers and body; a body cut short stays visibly incomplete (no final chunk, short length).

        Oxigraph's own --timeout-s (which the worker may reach a little before the lease's deadline) answers 500
        with _CANCELLED before any result, or writes _CANCELLED after a 200's partial results and ends the body
        as if complete: the first becomes this endpoint's 504, the second a body without its final chunk."""
        bodyless = self.command == "HEAD" or response.status in (204, 304) or response.status < 200
        chunked = not bodyless and response.length is None and self.request_version == "HTTP/1.1"
        first = b""
        if response.status == 500 and response.length == len(_CANCELLED) and not bodyless:
            try:
                first = response.read()
            except (OSError, http.client.HTTPException):
                return False
            if first == _CANCELLED:
                self._timed_out()
                return True  # the worker stopped the query itself and goes on answering
        tail = b""
        try:
            self.send_response_only(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in _HOP:
                    self.send_header(name, value)
            if bodyless:
                length = response.getheader("Content-Length")
                if length is not None:
                    self.send_header("Content-Length", length)
            elif response.length is not None:
                self.send_header("Content-Length", str(response.length))
            elif chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:  # an HTTP/1.0 client: the end of the body is the end of the connection
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if bodyless:
                response.read()
                return not response.will_close
            expected = response.length if not first else len(first)
            sent = len(first)
            if first:
                self.wfile.write(first)
            while not first:
                try:
                    data = response.read1(_CHUNK)
                except (OSError, http.client.HTTPException):
                    self.close_connection = True
                    return False
                if not data:
                    break
                sent += len(data)
                tail = (tail + data)[-len(_CANCELLED):]
                self.wfile.write(b"%x\r\n%b\r\n" % (len(data), data) if chunked else data)
            if expected is not None and sent != expected:
                self.close_connection = True
                return False
            if tail == _CANCELLED and response.status == 200:
                self.close_connection = True  # stopped by the worker's own timeout: left visibly incomplete
                return True
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            return True
        except OSError:  # the client went away or stalled past the socket timeout
            self.close_connection = True
            return _drained(response)

    def _file(self, found: StaticFile) -> None:
        from b12kg.store.site import CSP

        try:
            self.send_response_only(200)
            self.send_header("Content-Type", found.content_type)
            self.send_header("Content-Length", str(len(found.body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Security-Policy", CSP)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(found.body)
        except OSError:
            self.close_connection = True

    def _reply(self, status: int, message: str | bytes, *, close: bool = False,
               content_type: str = "text/plain; charset=utf-8", retry_after: int | None = None) -> None:
        body = message if isinstance(message, bytes) else (message + "\n").encode("utf-8")
        try:
            self.send_response_only(status)
            self.send_header("Content-Type", content_type)
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))  # RFC 9110 §10.2.3: seconds
            self.send_header("Content-Length", str(len(body)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            self.close_connection = True
