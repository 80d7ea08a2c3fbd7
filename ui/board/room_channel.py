"""The room's channel to its students' pages (issue #27, part 2): how a page learns, within seconds, that
its teacher sent a lesson step, asked or revealed a question, or assigned variants.

A page in a room polls `GET room/<channel token>?v=<version>` every POLL_MS, answered here before Gradio's
queue (like the live view's polls, ui/live_view/feed.py): HTTP 204 with no body while the room's experiment
version is the page's, `{"v": 7}` when it moved, 410 when the page is in no room (it stops; its banner's
heartbeat says why). An unchanged room costs a dictionary lookup under the rooms' lock, no event, no JSON.
Only when the version moved does the page send one Gradio event (the channel component's `click`, with
no data the server trusts): ui/board/follow.py then reads the member's news from the room and sets the
page. A page without a run polls too (the live view's polls run only while a run exists), so a
student who has not pressed Start still follows the teacher.

The channel token is the member's own (live/serving/rooms.Member.channel, 128 random bits), handed only
to its page in the room's join answer: it reads a version number and nothing else.
"""

from __future__ import annotations

import re

import gradio as gr

from ui.request_limits import ADDRESS_BURST, ADDRESS_RATE, Buckets, _address, _refuse, send_poll_answer

POLL_MS = 2000  # a page asks every 2 s: a teacher's step reaches the room within ~2 s
POLL_RATE, POLL_BURST = 2.0, 6.0  # polls a second one token may make
ROUTE = re.compile(r"(?:^|/)room/([A-Za-z0-9_-]{22})$")
GONE = b'{"error": "This page is in no room."}'


def answer(rooms, channel: str, have: str) -> tuple[int, bytes]:
    """(HTTP status, body) for a poll: 204 when the page's version `have` is the room's, else 200 / 410."""
    version = rooms.channel_version(channel)
    if version is None:
        return 410, GONE
    if have == str(version):
        return 204, b""
    return 200, b'{"v": %d}' % version


class RoomRoute:
    """ASGI middleware: GET .../room/<channel token> answered from the rooms; everything else goes on."""

    def __init__(self, app, rooms):
        self.app, self.rooms = app, rooms
        self.per_token = Buckets(POLL_RATE, POLL_BURST)
        self.per_address = Buckets(ADDRESS_RATE, ADDRESS_BURST)

    async def __call__(self, scope, receive, send):
        match = ROUTE.search(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope.get("method") not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        token = match.group(1)
        if not self.per_token.take(token) or not self.per_address.take(_address(scope)):
            return await _refuse(send)
        have = scope.get("query_string", b"")[:32].decode("latin-1").partition("v=")[2].partition("&")[0]
        status, body = answer(self.rooms, token, have)  # (a lookup: no thread needed)
        await send_poll_answer(send, status, body)


# The page's side: the channel component's value is {"token": ...} (set by the room's join); its script polls
# and, when the room's version moved, fires the component's `click` once (ui/board/follow.py answers it).
CHANNEL_JS = """
let token = null, seen = null, timer = null;
async function poll() {
  timer = null;
  const mine = token;
  if (!mine) return;
  let wait = %(poll_ms)d;
  try {
    const r = await fetch(`room/${mine}?v=${seen === null ? '' : seen}`, { cache: 'no-store' });
    if (mine !== token) return;
    if (r.status === 200) {
      const body = await r.json();
      if (body.v !== seen) { seen = body.v; element.dataset.version = String(seen); trigger('click', { v: seen }); }
    } else if (r.status === 404 || r.status === 410) { return; }
    else if (r.status === 429) { wait = 3 * %(poll_ms)d; }
  } catch (e) { wait = 2 * %(poll_ms)d; }
  if (mine === token && !timer) timer = setTimeout(poll, wait);
}
function start() {
  const next = props.value && typeof props.value === 'object' ? props.value.token || null : null;
  if (next === token) return;
  token = next; seen = null;
  if (timer) clearTimeout(timer);
  timer = token ? setTimeout(poll, 200) : null;
}
start();
watch('value', start);
""" % {"poll_ms": POLL_MS}


def component() -> gr.HTML:
    """The channel: an empty element whose script polls (call inside the room's banner)."""
    return gr.HTML(None, html_template='<span class="room-channel"></span>', js_on_load=CHANNEL_JS,
                   elem_id="room-channel", apply_default_css=False, padding=False)
