"""The store stage's one retry policy (b12kg.store.http.call), with scripted exchanges instead of a server."""

from __future__ import annotations

import http.server
import io
import threading
import urllib.error
from collections.abc import Callable
from email.message import Message

import pytest

from b12kg.errors import StoreError
from b12kg.store.config import StoreConfig
from b12kg.store.http import StoreRefused, backoff, call

URL = "http://127.0.0.1:9/update"


def _status(code: int) -> urllib.error.HTTPError:
    return urllib.error.HTTPError(URL, code, "status", Message(), io.BytesIO(b"the store's words"))


def _script(*outcomes: BaseException | str) -> tuple[Callable[[str | None], str], list[str | None]]:
    """An exchange that raises or returns each outcome in turn, and the Authorization headers it was given."""
    sent: list[str | None] = []

    def exchange(authorization: str | None) -> str:
        sent.append(authorization)
        outcome = outcomes[len(sent) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
    return exchange, sent


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("b12kg.store.http.time.sleep", slept.append)
    return slept


def test_connection_errors_and_5xx_are_retried_with_backoff(waits: list[float]) -> None:
    exchange, sent = _script(ConnectionResetError("reset"), _status(503), TimeoutError("timed out"), "answer")
    assert call(StoreConfig(query_url=URL, retries=3), "POST", URL, exchange, what="query") == "answer"
    assert len(sent) == 4 and waits == [backoff(1), backoff(2), backoff(3)] == [1.0, 2.0, 4.0]


def test_retries_end_with_an_error_naming_the_tries() -> None:
    exchange, sent = _script(*[ConnectionRefusedError("refused")] * 3)
    with pytest.raises(StoreError, match=r"cannot reach .*\(3 tries\)") as failure:
        call(StoreConfig(query_url=URL, retries=2), "POST", URL, exchange, what="query")
    assert len(sent) == 3 and failure.value.fix


@pytest.mark.parametrize("code", [400, 403, 404, 415])
def test_a_4xx_answer_is_never_retried(code: int) -> None:
    exchange, sent = _script(_status(code), "answer")
    with pytest.raises(StoreRefused) as refused:
        call(StoreConfig(query_url=URL, retries=3), "PUT", URL, exchange, what="upload")
    assert len(sent) == 1 and refused.value.status == code and refused.value.fix


@pytest.mark.parametrize("fault", [_status(500), ConnectionResetError("reset"), TimeoutError("timed out")])
def test_a_request_sent_once_is_never_repeated(fault: BaseException) -> None:
    exchange, sent = _script(fault, "answer")
    with pytest.raises(StoreError, match=r"HTTP 500|sent once"):
        call(StoreConfig(query_url=URL, retries=3), "POST", URL, exchange, what="swap", once=True)
    assert len(sent) == 1


def test_a_request_sent_once_is_sent_again_after_a_401_only_once() -> None:
    """A 401 (a stale digest nonce) means the store refused the request before running it."""
    config = StoreConfig(query_url=URL, retries=3, user="dba", password="dba", auth="basic")
    exchange, sent = _script(_status(401), "answer")
    assert call(config, "POST", URL, exchange, what="swap", once=True) == "answer"
    assert len(sent) == 2 and all(header and header.startswith("Basic ") for header in sent)
    exchange, sent = _script(_status(401), _status(401), "answer")
    with pytest.raises(StoreRefused, match="refused the credentials"):
        call(config, "POST", URL, exchange, what="swap", once=True)
    assert len(sent) == 2


class _Challenger(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a digest challenge, as Virtuoso's -auth endpoints do (a real server on 127.0.0.1)."""

    def do_GET(self) -> None:  # noqa: N802 — the name http.server calls
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Digest realm="test", nonce="n1", qop="auth", algorithm="MD5"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_403_under_digest_is_answered_with_a_new_challenge_once() -> None:
    """Virtuoso answers a digest nonce it no longer accepts with 403 (a load of 10^4 claims met it): the request,
    refused before it ran, is sent again once with a new challenge; under basic authentication a 403 is final."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Challenger)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sparql-auth"
        config = StoreConfig(query_url=url, retries=3, user="dba", password="dba", auth="digest")
        exchange, sent = _script(_status(403), "answer")
        assert call(config, "POST", url, exchange, what="swap", once=True) == "answer"
        assert len(sent) == 2 and all(header and header.startswith("Digest ") for header in sent)
        exchange, sent = _script(_status(403), _status(403), "answer")
        with pytest.raises(StoreRefused, match="refused the credentials"):
            call(config, "POST", url, exchange, what="swap", once=True)
        assert len(sent) == 2
    finally:
        server.shutdown()
    basic = StoreConfig(query_url=URL, retries=3, user="dba", password="dba", auth="basic")
    exchange, sent = _script(_status(403), "answer")
    with pytest.raises(StoreRefused):
        call(basic, "POST", URL, exchange, what="swap", once=True)
    assert len(sent) == 1
