"""How the web edge reads request bodies: within the size limit even when they come chunked, and
as JSON through `ledger.json_input.loads` only, whether flask-smorest (webargs) or Flask parses.
"""

from __future__ import annotations

import threading
from typing import IO, Any, cast

import flask
import marshmallow
import webargs.core
from flask.json.provider import DefaultJSONProvider
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

from ledger import json_input


class _AtMost(LimitedStream):
    """A body without Content-Length (chunked), read up to `limit` bytes; one byte more is 413.

    werkzeug's own maximum stream (3.1) stops reading at the limit and returns what it has, so
    a 20 MiB chunked body reached the parser cut at 10 MiB and was refused as broken JSON.
    """

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__(stream, limit, is_max=True)
        self._source = stream

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._source.read(1):
            raise RequestEntityTooLarge()
        return data


class LedgerRequest(flask.Request):
    @cached_property
    def stream(self) -> IO[bytes]:
        limit = self.max_content_length
        if (
            limit is not None
            and not self.shallow
            and self.content_length is None
            # The server has taken the chunks apart and ends the stream (gunicorn does).
            and "wsgi.input_terminated" in self.environ
        ):
            # As werkzeug does for its own LimitedStream, which is a RawIOBase.
            return cast(IO[bytes], _AtMost(self.environ["wsgi.input"], limit))
        stream: IO[bytes] = super().stream
        return stream


class LedgerJSONProvider(DefaultJSONProvider):
    """Flask's JSON, but bodies are parsed by `json_input.loads` (bounded depth and digits)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return json_input.loads(s)


class LedgerParser(FlaskParser):
    """webargs' parser for flask-smorest's `@blp.arguments`, with the same JSON parsing, and one
    instance of each schema class for all requests.

    webargs makes a new instance of a schema class for every request, and each of its nested
    fields then makes its own: four `Schema.__init__` per posted disclosure, a third of its
    parsing time. A schema keeps nothing of a load on itself (`load` takes `unknown` as an
    argument, and none of ours has state), so one instance serves every thread.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[type[marshmallow.Schema], marshmallow.Schema] = {}
        self._schemas_lock = threading.Lock()

    def _get_schema(self, argmap: Any, req: flask.Request) -> marshmallow.Schema:
        if not (isinstance(argmap, type) and issubclass(argmap, marshmallow.Schema)):
            return super()._get_schema(argmap, req)
        schema = self._schemas.get(argmap)
        if schema is None:
            with self._schemas_lock:
                schema = self._schemas.setdefault(argmap, argmap())
        return schema

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return webargs.core.missing
        data = req.get_data(cache=True)
        if not data:
            return webargs.core.missing  # no body, as webargs has it: a POST that may have none
        return json_input.loads(data)
