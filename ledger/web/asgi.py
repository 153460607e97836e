"""The Flask app served by an asyncio event loop: each request is read whole by the loop, then
handed to a bounded pool of threads, and the answer is written back by the loop.

So a slow client costs a coroutine while it trickles in its request or reads its answer, never
one of the threads that run the application: what a buffering reverse proxy does for a threaded
server, here in the server itself (waitress works the same way).
"""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
from collections.abc import Awaitable, Callable, Collection, Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# A body up to this size is held in memory, a larger one in a temporary file.
SPOOL_BYTES = 1024 * 1024


class BufferedWsgi:
    """An ASGI application that runs a WSGI one, buffering request and response.

    A body longer than `max_body` is not read: the app gets its declared length and no bytes,
    and answers 413 itself (Flask's MAX_CONTENT_LENGTH), so no client can make the loop hold
    more than `max_body` for one request; past SPOOL_BYTES a body waits in a temporary file.

    Requests for the `reserved` paths run on two threads of their own, so they are answered
    while every request thread waits on the database: the health check must be able to say
    that it does.
    """

    def __init__(
        self, app: WsgiApp, *, threads: int, max_body: int, reserved: Collection[str] = ()
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.reserved = frozenset(reserved)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="request")
        self.reserved_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="reserved")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no lifespan, no websockets
        read = await self._read_body(scope, receive)
        if read is None:
            return  # the client went away before its request was complete
        body, length = read
        environ = _environ(scope, body, length)
        executor = self.reserved_executor if scope["path"] in self.reserved else self.executor
        loop = asyncio.get_running_loop()
        try:
            status, headers, chunks = await loop.run_in_executor(executor, self._run, environ)
        finally:
            body.close()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in headers
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"".join(chunks)})

    async def _read_body(self, scope: Scope, receive: Receive) -> tuple[IO[bytes], int] | None:
        """The whole body, and its length; None when the client went away first."""
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            return io.BytesIO(), declared
        # Many clients may be sending large bodies at once: past SPOOL_BYTES each waits on disk.
        body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body.close()
                return None
            part = message.get("body", b"")
            size += len(part)
            if size > self.max_body:  # chunked and too long: stop reading, the app answers 413
                body.close()
                return io.BytesIO(), size
            body.write(part)
            if not message.get("more_body", False):
                body.seek(0)
                return body, size

    def _run(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], list[bytes]]:
        """One WSGI call on a pool thread, its whole answer collected."""
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return chunks.append

        iterable = self.app(environ, start_response)
        try:
            chunks.extend(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        status, headers = started
        return int(status.split(" ", 1)[0]), headers, chunks


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _environ(scope: Scope, body: IO[bytes], length: int) -> dict[str, Any]:
    """PEP 3333's environ for an ASGI HTTP scope, with the body already read: as a buffering
    proxy passes it on, with its length (a chunked body's too) and no Transfer-Encoding."""
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode().decode("latin-1"),
        "PATH_INFO": scope["path"].encode().decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "CONTENT_LENGTH": str(length),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = str(client[0]), str(client[1])
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            continue  # the body is read and de-chunked: its length is known
        key = name if name == "CONTENT_TYPE" else f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
