"""What the room channel (ui/board/room_channel.py) costs the web server per poll: a micro-benchmark.

    python -m benchmarks.room_channel [--rooms 20] [--members 30] [--polls 20000]

Every page in a room polls `room/<channel>?v=<version>` every POLL_MS. This times, in one process and
on one thread, the middleware's whole answer (RoomRoute.__call__: the route's match, the token's and the
address's buckets, the rooms' lookup, the response's two ASGI messages) for an unchanged room (HTTP 204,
no body) and for a room whose version moved (HTTP 200 with `{"v": N}`), on a registry of `--rooms` rooms
of `--members` members each; and, for scale, what a poll of the same rate would cost a class of 30 and
a hall of 100 in CPU per second. It does not time the HTTP server (uvicorn's parsing and writing, the
same for any route: docs/CLASSROOM.md measures a live poll, all of it, at ~2-3 ms on 2 vCPU).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from live.serving.rooms import RoomRegistry
from ui.board.room_channel import POLL_MS, RoomRoute


def registry(rooms: int, members: int) -> tuple[RoomRegistry, list[str]]:
    reg = RoomRegistry(max_rooms=rooms, max_rooms_per_client=rooms)
    channels = []
    for r in range(rooms):
        made = reg.open(f"teacher-{r}")
        for m in range(members):
            channels.append(reg.join(made.code, f"s-{r}-{m}", f"10.0.{r}.{m}").channel)
        reg.work(made.code, made.key, f"teacher-{r}", lambda ex, tokens: ex.send_step("collapse", 2))
    return reg, channels


async def _time(route: RoomRoute, channels: list[str], polls: int, have: str) -> tuple[float, int]:
    """(seconds per poll, body bytes of the last answer)."""
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    start = time.perf_counter()
    for i in range(polls):
        sent.clear()
        scope = {"type": "http", "method": "GET", "path": f"/room/{channels[i % len(channels)]}",
                 "query_string": f"v={have}".encode(), "client": (f"10.1.{i % 250}.{i // 250 % 250}", 5000),
                 "headers": []}
        await route(scope, receive, send)
    elapsed = (time.perf_counter() - start) / polls
    return elapsed, len(sent[-1].get("body", b""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--polls", type=int, default=20_000)
    args = parser.parse_args(argv)
    reg, channels = registry(args.rooms, args.members)

    async def nothing(scope, receive, send):  # (the app behind the middleware: never reached)
        raise AssertionError(scope["path"])

    route = RoomRoute(nothing, reg)
    route.per_token.rate = route.per_address.rate = 1e12  # (a benchmark's polls come faster than a page's)
    route.per_token.burst = route.per_address.burst = 1e12
    unchanged, body_204 = asyncio.run(_time(route, channels, args.polls, "1"))
    moved, body_200 = asyncio.run(_time(route, channels, args.polls, "0"))
    print(f"{args.rooms} rooms x {args.members} members, {args.polls:,} polls each way")
    print(f"unchanged room (204): {unchanged * 1e6:.1f} us a poll, body {body_204} bytes")
    print(f"room moved (200):     {moved * 1e6:.1f} us a poll, body {body_200} bytes")
    for pages in (30, 100):
        per_s = pages * 1000 / POLL_MS
        print(f"{pages} pages polling every {POLL_MS / 1000:g} s: {per_s:.0f} polls/s, "
              f"{per_s * unchanged * 1e3:.2f} ms of CPU a second in the middleware")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
