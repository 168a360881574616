"""The big screen's clock ticks in the browser, not through a server rerun every second.

Issue 9: with ten sessions on two cores the server-side 1 s clock fragment queued behind page
runs and the clock froze. A constant script (no data in it) now updates the clock's text from
the browser's time; the server draws the same text once per run.
"""

from __future__ import annotations

import datetime as dt

from direct import open_direct

from ui import screen_model


def test_screen_ships_the_browser_clock_and_draws_the_first_reading(app_db):
    """The clock script is on the page, and the server's own reading is shown meanwhile."""
    at = open_direct("screen")
    assert not at.exception
    bodies = [str(element.proto.body) for element in at.get("html")]
    [clock_script] = [body for body in bodies if "__screenClock" in body]
    assert ".st-key-screen-clock p" in clock_script and "setInterval(tick, 1000)" in clock_script
    today = dt.date.today()
    assert any(f"{today.year}年{today.month}月" in m.value for m in at.markdown)


def test_browser_clock_uses_the_servers_clock_format():
    """The script writes 2026年11月22日 星期日 09:05:07, as ``clock_text`` does."""
    text = screen_model.clock_text(dt.datetime(2026, 11, 22, 9, 5, 7))
    assert text == "2026年11月22日 星期日 09:05:07"
    assert screen_model.WEEKDAYS[6] == "日"  # Sunday: JS getDay() 0 maps to the same name
