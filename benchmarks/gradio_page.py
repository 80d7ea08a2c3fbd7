"""What a Gradio 6 page knows after it loads: the app config embedded in its HTML.

Gradio 6.31 serves `/` with `<script>window.gradio_config = {...};</script>` inline (routes.py
`main`, templates/frontend/index.html), so the browser does not fetch /config. From that config a
page finds each event's fn_index (its dependency id), trigger component, inputs and outputs, and
the components' current values, which is what it sends when the event fires.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_CONFIG = re.compile(r"<script>window\.gradio_config = (.*?);</script>", re.S)
_ENTRY = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*rel="stylesheet"[^>]*\shref)="\.?/?(assets/[^"]+)"')


def _as_js(v):
    """A value as the browser's JSON.stringify writes it: JavaScript has one number type, so 0.0
    goes out as 0 (the server sees an int, as it does from a real page)."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_as_js(x) for x in v]
    return v


class PageError(RuntimeError):
    """The page is not a Gradio page this client understands."""


@dataclass(frozen=True)
class Event:
    """One event listener as the page sees it."""

    fn_index: int
    trigger_id: int  # the component whose event fires it (the button, the timer)
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    api_name: str | None = None


class Page:
    def __init__(self, html: str):
        m = _CONFIG.search(html)
        if not m:
            raise PageError("no window.gradio_config in the page")
        self.config = json.loads(m.group(1))
        if self.config.get("protocol") != "sse_v3":
            raise PageError(f"this client speaks sse_v3, the page speaks {self.config.get('protocol')!r}")
        self.api_prefix = self.config.get("api_prefix", "/gradio_api")
        self.components = {c["id"]: c for c in self.config["components"]}
        self.values = {i: c["props"].get("value") for i, c in self.components.items()}  # as the page holds them
        self.entry_assets = _ENTRY.findall(html)  # the page's own script and stylesheet

    def event(self, api_name: str) -> Event:
        for dep in self.config["dependencies"]:
            if dep.get("api_name") == api_name:
                return _event(dep, dep["targets"][0][0])
        raise PageError(f"no event with api_name {api_name!r}")

    def load_events(self) -> list[Event]:
        """The page's demo.load events, which it fires once it has loaded (trigger: the app, id 0)."""
        return [_event(dep, t[0]) for dep in self.config["dependencies"] for t in dep["targets"] if t[1] == "load"]

    def then_events(self, after: Event) -> list[Event]:
        """The events chained after `after` with .then (the page fires each once `after` completed)."""
        return [_event(dep, after.trigger_id) for dep in self.config["dependencies"]
                if dep.get("trigger_after") == after.fn_index]

    def event_on(self, elem_id: str, trigger: str) -> Event:
        """The event a component's trigger fires (e.g. the preset dropdown's "input")."""
        cid = self.component_id(elem_id)
        for dep in self.config["dependencies"]:
            if [cid, trigger] in [list(t) for t in dep["targets"]]:
                return _event(dep, cid)
        raise PageError(f"nothing listens to {elem_id!r}.{trigger}")

    def component_id(self, elem_id: str) -> int:
        for i, c in self.components.items():
            if c["props"].get("elem_id") == elem_id:
                return i
        raise PageError(f"no component with elem_id {elem_id!r}")

    def value(self, component_id: int):
        """What the page sends for an input: its value; a gr.State sends null (the server keeps it)."""
        c = self.components[component_id]
        return None if c["type"] == "state" else _as_js(self.values[component_id])

    def apply(self, event: Event, outputs: list) -> None:
        """Show an event's outputs: each becomes its component's value ({"__type__": "update"} only
        when it carries a value; other props, e.g. visibility, do not matter to the bench)."""
        for i, v in zip(event.outputs, outputs):
            if self.components[i]["type"] == "state":
                continue
            if isinstance(v, dict) and v.get("__type__") == "update":
                if "value" not in v:
                    continue
                v = v["value"]
            self.values[i] = v

    def inputs_for(self, event: Event, **overrides) -> list:
        """The event's input values as a fresh page sends them; overrides by elem_id."""
        by_elem = {self.components[i]["props"].get("elem_id"): i for i in event.inputs}
        values = {i: self.value(i) for i in event.inputs}
        for elem_id, v in overrides.items():
            values[by_elem[elem_id]] = v
        return [values[i] for i in event.inputs]

    def output_index(self, event: Event, elem_id: str) -> int | None:
        """Where the component with this elem_id sits in the event's outputs (None: not an output)."""
        for k, i in enumerate(event.outputs):
            if self.components[i]["props"].get("elem_id") == elem_id:
                return k
        return None

    def initial_files(self) -> list[str]:
        """URLs of the files the page shows at load (an Image's first picture): the browser GETs them."""
        urls = []
        for c in self.components.values():
            v = c["props"].get("value")
            if isinstance(v, dict) and isinstance(v.get("url"), str) and c["props"].get("visible", True) is not False:
                urls.append(v["url"])
        return urls

    def theme_css(self) -> str:
        return f"/theme.css?v={self.config.get('theme_hash', '')}"


def _event(dep: dict, trigger_id: int) -> Event:
    return Event(dep["id"], trigger_id, tuple(dep["inputs"]), tuple(dep["outputs"]), dep.get("api_name"))
