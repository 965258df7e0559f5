"""A fault-injecting HTTP proxy on 127.0.0.1 for the store tests (standard library only).

It passes every request through to a store, one request per connection, until it is armed: then the first request
whose body matches gets the fault, and the proxy goes back to passing through. Faults:

- ``drop``: forward the request, read the store's answer, close the client's connection without a word;
- ``delay``: forward, then hold the answer ``seconds`` before sending it (the client has usually given up);
- ``error500``: forward, then answer 500 instead of what the store said;
- ``reset``: never forward; reset the client's connection (TCP RST);
- ``kill``: forward, call ``on_fault`` (the test kills the store), reset the client's connection;
- ``kill-after``: forward, wait for the store's answer, then as ``kill`` (the store dies right after committing);
- ``replay``: forward twice, one after the other, and send the second answer (a duplicated request);
- ``late``: hold the request ``seconds``, answer nothing, and forward it once the client has given up;
- ``rewrite``: forward ``rewrite(body)`` instead of the body, then drop the answer (a store that ran part of it).
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["FaultProxy", "Fault"]

_CRLF2 = b"\r\n\r\n"


@dataclass
class Fault:
    mode: str
    seconds: float = 0.0
    on_fault: Callable[[], None] | None = None
    rewrite: Callable[[bytes], bytes] | None = None
    match: Callable[[bytes], bool] | None = None  # which request gets it, if not the proxy's own choice
    done: threading.Event = field(default_factory=threading.Event)  # set once the fault has played out
    answer: bytes | None = None  # what the store answered to the (last) forwarded request


def _read_request(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """One request: its head and its body (a chunked body decoded: it is forwarded with a Content-Length)."""
    data = b""
    while _CRLF2 not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(_CRLF2)
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        return head, _read_chunked(sock, body)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


def _read_chunked(sock: socket.socket, data: bytes) -> bytes:
    """A chunked body (RFC 9112, 7.1), ``data`` being what arrived with the head: the decoded bytes."""
    body = bytearray()

    def need(size: int) -> bool:
        nonlocal data
        while len(data) < size:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return False
            data += chunk
        return True

    while True:
        while b"\r\n" not in data:
            if not need(len(data) + 1):
                return bytes(body)
        line, _, data = data.partition(b"\r\n")
        size = int(line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            return bytes(body)  # trailers, if any, are left unread: the proxy closes the connection
        if not need(size + 2):
            return bytes(body + data)
        body += data[:size]
        data = data[size + 2:]


def _with_body(head: bytes, body: bytes) -> bytes:
    """The request with ``Connection: close`` and a Content-Length for ``body``."""
    lines = [line for line in head.split(b"\r\n") if line.split(b":", 1)[0].strip().lower()
             not in (b"connection", b"content-length", b"keep-alive", b"transfer-encoding")]
    if body or lines[0].split(b" ", 1)[0] in (b"POST", b"PUT"):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + _CRLF2 + body


def _reset(sock: socket.socket) -> None:
    """Close with a TCP RST instead of a FIN (SO_LINGER with a zero timeout)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        proxy = self.server.proxy
        self.request.settimeout(300)
        request = _read_request(self.request)
        if request is None:
            return
        head, body = request
        fault = proxy.take(body)
        if fault is None:
            answer = proxy.forward(_with_body(head, body))
            if answer is None:
                _reset(self.request)  # the store is down: the client sees its connection fail
            else:
                self.request.sendall(answer)
            return
        try:
            self._play(fault, head, body)
        finally:
            fault.done.set()

    def _play(self, fault: Fault, head: bytes, body: bytes) -> None:
        proxy = self.server.proxy
        if fault.mode == "reset":
            _reset(self.request)
        elif fault.mode == "kill-after":
            fault.answer = proxy.forward(_with_body(head, body))
            if fault.on_fault:
                fault.on_fault()
            _reset(self.request)
        elif fault.mode == "kill":
            sending = threading.Thread(target=proxy.forward, args=(_with_body(head, body),), daemon=True)
            sending.start()
            time.sleep(0.05)  # let the store start on it
            if fault.on_fault:
                fault.on_fault()
            _reset(self.request)
            sending.join(30)
        elif fault.mode == "late":
            time.sleep(fault.seconds)
            _reset(self.request)
            fault.answer = proxy.forward(_with_body(head, body))
        elif fault.mode == "rewrite":
            assert fault.rewrite is not None
            fault.answer = proxy.forward(_with_body(head, fault.rewrite(body)))
            self.request.close()
        else:
            answer = fault.answer = proxy.forward(_with_body(head, body)) or b""
            if fault.mode == "drop":
                self.request.close()
            elif fault.mode == "delay":
                time.sleep(fault.seconds)
                try:
                    self.request.sendall(answer)
                except OSError:
                    pass  # the client gave up, as intended
            elif fault.mode == "error500":
                text = b"injected by the test proxy after the store ran the request"
                self.request.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                                     b"Content-Length: " + str(len(text)).encode() + b"\r\nConnection: close\r\n\r\n"
                                     + text)
            elif fault.mode == "replay":
                again = fault.answer = proxy.forward(_with_body(head, body)) or b""
                self.request.sendall(again)
            else:
                raise ValueError(f"unknown fault {fault.mode!r}")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultProxy


class FaultProxy:
    """Listens on a free port of 127.0.0.1 and forwards to ``upstream_port`` on 127.0.0.1."""

    def __init__(self, upstream_port: int, match: Callable[[bytes], bool]) -> None:
        self.upstream_port = upstream_port
        self.match = match
        self._armed: Fault | None = None
        self._lock = threading.Lock()
        self.matched: list[bytes] = []  # bodies of the requests that got a fault
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def arm(self, fault: Fault) -> Fault:
        with self._lock:
            self._armed = fault
        return fault

    def take(self, body: bytes) -> Fault | None:
        with self._lock:
            if self._armed is None or not (self._armed.match or self.match)(body):
                return None
            fault, self._armed = self._armed, None
            self.matched.append(body)
            return fault

    def forward(self, request: bytes) -> bytes | None:
        """Send ``request`` to the store; its whole answer (read to the end), or None if it cannot be reached."""
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=300)
        except OSError:
            return None
        with upstream:
            try:
                upstream.sendall(request)
                answer = b""
                while chunk := upstream.recv(65536):
                    answer += chunk
                return answer
            except OSError:
                return None
