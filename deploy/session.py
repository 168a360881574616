"""A browser-like Streamlit session without a browser: the websocket protocol the frontend speaks.

Used by the cluster's warm-up (``deploy/cluster.py``), its test and the load test
(``benchmarks/load_cluster.py``): 50 Chromium contexts do not fit on two cores beside the
servers they measure, one websocket each does. A session does what the page does:

1. ``GET /`` (through nginx this also sets the sticky cookie that keeps it on one process),
2. opens ``/_stcore/stream`` with that cookie and the ``streamlit`` subprotocol,
3. asks for a page run (``BackMsg.rerun_script`` with the URL path and query string, as on a
   fresh visit; later visits in the same session navigate like a click in the sidebar),
4. reads ``ForwardMsg`` messages until the run has finished (``script_finished``).

A page time is step 3 → 4: the server's whole answer, the part that grows with load (drawing
in the browser is not included). Exceptions shown on the page count as errors.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

STREAM_PATH = "/_stcore/stream"
FINISHED = "FINISHED_SUCCESSFULLY"
RERUN = "FINISHED_EARLY_FOR_RERUN"
RUN_TIMEOUT_SECONDS = 120.0


@dataclass
class PageRun:
    """One page run as the server sent it: how long, what it showed, whether it failed."""

    seconds: float
    exceptions: int
    payload: bytes = field(repr=False)  # every ForwardMsg of the run, serialized

    def shows(self, text: str) -> bool:
        """Whether ``text`` appears anywhere in what the run sent (labels, tables, options)."""
        return text.encode("utf-8") in self.payload


def http_get(url: str, cookie: str = "", timeout: float = 30.0) -> tuple[bytes, dict[str, str]]:
    """``GET url`` with an optional Cookie header; the body and the response headers."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
        headers = {name.lower(): value for name, value in response.headers.items()}
        return response.read(), headers


def cookies_from(headers: dict[str, str]) -> str:
    """The ``Cookie`` header a browser would send back after these response headers."""
    raw = headers.get("set-cookie", "")
    jar = SimpleCookie()
    if raw:
        jar.load(raw)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


class Session:
    """One Streamlit session over one websocket, like one browser tab."""

    def __init__(self, base_url: str, cookie: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.cookie = cookie
        self.upstream = ""  # the process that served GET / (nginx's X-Upstream header)
        self.page_hashes: dict[str, str] = {}  # url path → page_script_hash (from navigation)
        self._socket = None

    async def open(self) -> Session:
        """Load the app's HTML (as a browser would) and open the websocket."""
        import websockets

        _, headers = await asyncio.to_thread(http_get, self.base_url + "/", self.cookie)
        self.cookie = self.cookie or cookies_from(headers)
        self.upstream = headers.get("x-upstream", "")
        ws_url = "ws" + self.base_url.removeprefix("http") + STREAM_PATH
        self._socket = await websockets.connect(
            ws_url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": self.cookie} if self.cookie else None,
            max_size=None,
            open_timeout=30,
        )
        return self

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
            self._socket = None

    async def run_page(self, path: str = "", query: str = "") -> PageRun:
        """Run the page at ``/path?query`` and wait until the server has finished it."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.query_string = query
        state.page_name = path
        state.page_script_hash = self.page_hashes.get(path, "")
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.locale = "zh-CN"
        state.context_info.url = f"{self.base_url}/{path}"
        started = time.perf_counter()
        await self._socket.send(message.SerializeToString())
        exceptions, chunks = await asyncio.wait_for(self._until_finished(), RUN_TIMEOUT_SECONDS)
        return PageRun(time.perf_counter() - started, exceptions, b"".join(chunks))

    async def _until_finished(self) -> tuple[int, list[bytes]]:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        exceptions, chunks = 0, []
        while True:
            raw = await self._socket.recv()
            chunks.append(raw)
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type")
            if kind == "navigation":
                for page in message.navigation.app_pages:
                    self.page_hashes[page.url_pathname] = page.page_script_hash
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                exceptions += message.delta.new_element.WhichOneof("type") == "exception"
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                if status == FINISHED:
                    return exceptions, chunks
                if status != RERUN:
                    return exceptions + 1, chunks


async def one_page(base_url: str, path: str = "", query: str = "", cookie: str = "") -> PageRun:
    """A fresh visit: a new session, one page run, closed again."""
    session = await Session(base_url, cookie).open()
    try:
        return await session.run_page(path, query)
    finally:
        await session.close()
