"""The first start says on the page what it is doing and how far along it is (issue 13)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from storage.db import ensure_ready, make_engine


def _page_with_a_demo_half_loaded() -> None:
    """A page whose demo load has reported half of its rows."""
    import streamlit as st

    from ui.data import demo_progress_on_page

    heard: list[tuple[int, int, str]] = []
    report = demo_progress_on_page(st.empty(), lambda *args: heard.append(args))
    report(0, 1000, "社区名录")
    report(500, 1000, "民生实事")
    st.session_state["terminal"] = heard


def test_the_demo_load_draws_its_progress_on_the_page() -> None:
    """A bar with the step and the percentage; the terminal hears every report too."""
    at = AppTest.from_function(_page_with_a_demo_half_loaded).run()
    assert not at.exception
    bars = at.get("progress")
    assert len(bars) == 1
    assert bars[0].proto.value == 50
    assert "正在载入演示数据（民生实事），已完成 50%" in bars[0].proto.text
    assert [step[0] for step in at.session_state["terminal"]] == [0, 500]


def test_ensure_ready_passes_the_demo_progress_on(tmp_path: Path) -> None:
    """The callback given to ensure_ready is the one the demo load reports to."""
    heard: list[tuple[int, int, str]] = []
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    ensure_ready(engine, load_demo=True, progress=lambda *args: heard.append(args))
    engine.dispose()
    assert heard, "the demo load reported nothing to the given callback"
    done, total, _message = heard[-1]
    assert done == total > 0
