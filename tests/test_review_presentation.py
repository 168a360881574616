"""What the merged whole showed in the browser review: one figure written one way on every surface."""

from __future__ import annotations

import pandas as pd

from ui import charts


def _layer_formats(chart) -> list[str]:  # type: ignore[no-untyped-def]
    """The d3 formats of every text mark's label in a layered chart."""
    spec = chart.to_dict()
    return [
        layer["encoding"]["text"]["format"]
        for layer in spec["layer"]
        if "text" in layer.get("encoding", {})
    ]


def test_bar_labels_have_one_decimal_like_the_tables():
    """Points and hours on a bar read −11.3 and 1,301.2 (the table's 1,301.2), not 1,301.20."""
    frame = pd.DataFrame({"社区": ["甲社区", "乙社区"], "服务时长": [1301.2, 1112.9]})
    chart = charts.ranking_bar(frame, category="社区", value="服务时长", value_title="小时")
    assert _layer_formats(chart) == [",.1f"]
    big = charts.ranking_bar(frame, category="社区", value="服务时长", value_title="小时", big=True)
    assert _layer_formats(big) == [",.1f"]


def test_big_screen_names_are_never_cut_and_legend_dots_grow():
    """At 4K a community name with its 街道 ("丰庆路社区（花园）") is whole, legend dots scale."""
    config = charts._theme(big=True)["config"]
    assert config["axis"]["labelLimit"] == 0
    assert "containerSize" in config["legend"]["symbolSize"]["expr"]
    assert charts._theme(big=False)["config"]["axis"]["labelLimit"] == 400
