"""A minimal HTTP/1.1 client on plain asyncio streams: keep-alive requests and Server-Sent Events.

Why not httpx or gradio_client: a load generator for 30 students must cost its own machine little
and the server nothing beyond what browsers send. Both libraries spend far more client CPU per poll
than reading the few headers and chunks of a local Gradio server by hand (shared/REFERENCE.md
section 7 compares them; the classroom table reports this client's own cost).

Only what a local Gradio (uvicorn) server speaks: no TLS, no proxies, no redirects, no compression
(we never send Accept-Encoding), Content-Length or chunked bodies.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

MAX_IDLE = 6  # idle keep-alive connections a tab keeps: a browser opens at most 6 per host


class HttpError(RuntimeError):
    """The server answered with a status other than 2xx, or broke the connection."""


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class Response:
    """Status, headers (lower-case names) and a body read in full or as a stream of chunks."""

    def __init__(self, conn: _Conn, status: int, headers: dict[str, str]):
        self._conn, self.status, self.headers = conn, status, headers
        self.reusable = headers.get("connection", "").lower() != "close"

    async def chunks(self):
        """The body as it arrives (one chunk of a chunked body at a time)."""
        r = self._conn.reader
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await r.readline()).split(b";", 1)[0], 16)
                if size == 0:
                    while (await r.readline()) not in (b"\r\n", b"\n", b""):  # trailers
                        pass
                    return
                data = await r.readexactly(size)
                await r.readexactly(2)  # CRLF after each chunk
                yield data
        elif "content-length" in self.headers:
            n = int(self.headers["content-length"])
            if n:
                yield await r.readexactly(n)
        else:  # the body runs until the server closes the connection
            self.reusable = False
            while data := await r.read(65536):
                yield data

    async def read(self) -> bytes:
        return b"".join([c async for c in self.chunks()])


class Session:
    """One browser tab's connections to one origin: a small keep-alive pool, as a browser keeps."""

    def __init__(self, base_url: str, connect_timeout_s: float = 10.0):
        u = urlsplit(base_url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.prefix = u.path.rstrip("/")
        self.host_header = u.netloc
        self._idle: list[_Conn] = []
        self._open: set[_Conn] = set()
        self.connect_timeout_s = connect_timeout_s
        self.connections_made = 0

    async def _connect(self, fresh: bool = False) -> tuple[_Conn, bool]:
        """A pooled idle connection (unless fresh), or a new one; and whether it was reused."""
        if self._idle and not fresh:
            return self._idle.pop(), True
        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port, limit=1 << 22),
                                                self.connect_timeout_s)
        self.connections_made += 1
        conn = _Conn(reader, writer)
        self._open.add(conn)
        return conn, False

    def _release(self, conn: _Conn, reusable: bool) -> None:
        if reusable and len(self._idle) < MAX_IDLE:
            self._idle.append(conn)
        else:
            self._open.discard(conn)
            conn.close()

    async def _send(self, conn: _Conn, method: str, path: str, body: bytes | None, headers: dict | None) -> Response:
        lines = [f"{method} {self.prefix}{path} HTTP/1.1", f"Host: {self.host_header}", "Connection: keep-alive"]
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        if body is not None:
            lines += [f"Content-Type: {headers.pop('content-type', 'application/json')}",
                      f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        conn.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        await conn.writer.drain()
        status_line = await conn.reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        hdrs: dict[str, str] = {}
        while (line := await conn.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            hdrs[name.strip().lower()] = value.strip()
        return Response(conn, status, hdrs)

    async def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                      ) -> tuple[int, bytes]:
        """One request on a pooled connection; (status, body). A reused connection that the server
        closed while it sat idle (uvicorn drops idle keep-alive connections after 5 s) fails before
        any answer: the request goes again on a new connection, as browsers do."""
        conn, resp, data = await self._exchange(method, path, body, headers, read=True)
        self._release(conn, resp.reusable)
        return resp.status, data

    async def _exchange(self, method: str, path: str, body: bytes | None, headers: dict | None, read: bool):
        """(connection, response, body or None): sent on a pooled connection, and once more on a new
        one when a reused connection turns out to have been dropped by the server."""
        fresh = False
        while True:
            conn, reused = await self._connect(fresh)
            try:
                resp = await self._send(conn, method, path, body, headers)
                return conn, resp, (await resp.read() if read else None)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError) as e:
                self._open.discard(conn)
                conn.close()
                if not reused:
                    raise HttpError(f"{method} {path}: {type(e).__name__}: {e}") from e
                fresh = True

    async def stream(self, path: str):
        """GET an event stream; yields each SSE event's data (str) until the server ends the stream.
        The connection goes back to the pool if the stream ended cleanly; closing the generator
        early (a tab that goes away) closes the connection, which is how the server notices."""
        conn, resp, _ = await self._exchange("GET", path, None, {"Accept": "text/event-stream"}, read=False)
        clean = False
        try:
            if resp.status != 200:
                await resp.read()
                clean = resp.reusable
                raise HttpError(f"GET {path}: HTTP {resp.status}")
            buf = b""
            async for chunk in resp.chunks():
                buf += chunk
                while (end := buf.find(b"\n\n")) >= 0:
                    event, buf = buf[:end], buf[end + 2:]
                    data = [ln[5:].lstrip(b" ") for ln in event.split(b"\n") if ln.startswith(b"data:")]
                    if data:
                        yield b"\n".join(data).decode()
            clean = resp.reusable
        finally:
            if clean:
                self._release(conn, True)
            else:
                self._open.discard(conn)
                conn.close()

    def close(self) -> None:
        for conn in list(self._open):
            conn.close()
        self._open.clear()
        self._idle.clear()
