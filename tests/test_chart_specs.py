"""ui.charts.spec: the app sends charts unchecked (issue 11: the Vega-Lite schema check cost
~10 ms a chart on every uncached run); the dict is the same as Streamlit's checked conversion,
and the tests check every chart they build."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest
from jsonschema import ValidationError
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from ui import charts


def _builders() -> list[alt.Chart | alt.LayerChart]:
    frame = pd.DataFrame(
        {"社区": ["甲", "乙", "丙"], "得分": [0.9, -0.2, 0.4], "状态": ["达标"] * 3}
    )
    months = pd.DataFrame({"月": ["1月", "2月", "1月", "2月"], "类": ["a", "a", "b", "b"],
                           "值": [1.0, 2.0, 3.0, 4.0]})  # fmt: skip
    return [
        charts.ranking_bar(frame, category="社区", value="得分", value_title="得分", status="状态"),
        charts.ranking_bar(frame, category="社区", value="得分", value_title="得分", big=True),
        charts.time_series(months, x="月", y="值", y_title="值", series="类", x_type="O"),
        charts.grouped_bar(months, x="月", y="值", y_title="值", series="类", big=True),
        charts.share_donut(months.head(2), category="类", value="值", value_title="值"),
    ]


@pytest.mark.parametrize("index", range(5))
def test_unchecked_spec_equals_streamlits_checked_conversion(index):
    chart = _builders()[index]
    assert charts.spec(chart, validate=False) == _convert_altair_to_vega_lite_spec(chart)


def test_the_tests_check_every_chart_against_the_schema():
    """Fails if the tests stop checking (conftest) or spec stops honouring the flag."""
    assert charts.VALIDATE
    broken = alt.Chart(pd.DataFrame({"a": [1]})).mark_bar().encode(x=alt.X("a:Q", bin="yes"))
    with pytest.raises(ValidationError):
        charts.spec(broken)
    charts.spec(broken, validate=False)  # unchecked: no error (the app's mode)


def test_the_app_skips_altairs_check_when_a_chart_is_made_and_the_tests_keep_it():
    """Altair checks every schema object when it is made (the theme's Config, each layer:
    4 of a chart's 15 ms at city scale): off in the app with ``spec``'s check, on in the tests
    (every chart a test builds is still checked when made, not only when sent)."""
    import os
    import subprocess
    import sys

    from altair.utils import schemapi
    from conftest import REPO_ROOT

    assert schemapi.DEBUG_MODE
    env = {k: v for k, v in os.environ.items() if k != "DASHBOARD_VALIDATE_CHARTS"}
    shown = "from ui import charts; from altair.utils import schemapi; print(schemapi.DEBUG_MODE)"
    app = subprocess.run(
        [sys.executable, "-c", shown], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert app.stdout.strip() == "False", app.stderr[-2000:]


def test_builders_give_altair_channel_objects_not_strings(monkeypatch):
    """A string or ``alt.value`` dict in ``encode`` makes Altair hash its whole schema to find
    the channel class (~4 ms a channel, every uncached run): the builders never pass one."""
    from altair.utils import schemapi

    def refuse(*_: object) -> None:
        raise AssertionError("a channel given as a string or dict")

    monkeypatch.setattr(schemapi._FromDict, "__init__", refuse)
    frame = pd.DataFrame({"街道": ["东"], "社区": ["甲"], "得分": [0.5], "已完成": [1]})
    months = pd.DataFrame({"月": ["1月"], "值": [1.0], "计划": [0.5]})
    for chart in [
        *_builders(),
        charts.ranking_bar(
            frame,
            category="社区",
            value="得分",
            value_title="得分",
            tooltip=["街道", "社区", "已完成"],
        ),
        charts.time_series(months, x="月", y="值", y_title="值", x_type="O", plan="计划"),
        charts.share_donut(months, category="月", value="值", value_title="值", labels=True),
    ]:
        charts.spec(chart)


def test_layered_charts_take_their_frame_at_the_layer(monkeypatch):
    """A layer of parts that each carry the frame makes Altair hash the frame's text and copy
    every part (a third of a city chart's cost): the builders give the frame to the layer
    (the spec is the same: Altair hoists the data to the layer either way)."""

    def refuse(*_: object) -> str:
        raise AssertionError("a layered part carried the frame")

    monkeypatch.setattr(alt.Chart, "_compute_hash", refuse)
    frame = pd.DataFrame({"社区": ["甲", "乙"], "得分": [0.9, -0.2], "计划": [0.5, 0.6]})
    for chart in [
        *_builders(),
        charts.time_series(frame, x="社区", y="得分", y_title="得分", x_type="O", plan="计划"),
        charts.share_donut(frame, category="社区", value="计划", value_title="值", labels=True),
    ]:
        charts.spec(chart)
