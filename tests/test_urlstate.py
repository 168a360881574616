"""URL filter parsing: every bad value is dropped with a notice, never raised."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from figures.scope import latest_date
from ui.urlstate import UrlParam, changed_params, order_dates, parse_params, split_list

SUBDISTRICT = UrlParam("subdistrict", "街道", choices=("花园路街道", "新华路街道"))
COMMUNITY = UrlParam("community", "社区", kind="list", choices=("A社区", "B社区"))
FROM = UrlParam("from", "开始日期", kind="date")
ROTATE = UrlParam("rotate", "轮播间隔", kind="int", minimum=5, maximum=3600)


@pytest.mark.parametrize(
    ("spec", "raw", "value", "has_notice"),
    [
        (SUBDISTRICT, "花园路街道", "花园路街道", False),
        (SUBDISTRICT, "不存在街道", None, True),
        (SUBDISTRICT, "", None, False),
        (COMMUNITY, "A社区,B社区", ["A社区", "B社区"], False),
        (COMMUNITY, "A社区，B社区", ["A社区", "B社区"], False),
        (COMMUNITY, "A社区,Z社区", ["A社区"], True),
        (COMMUNITY, "Z社区", None, True),
        (FROM, "2026-01-31", dt.date(2026, 1, 31), False),
        (FROM, "2026-02-30", None, True),
        (FROM, "20260101", None, True),
        (ROTATE, "30", 30, False),
        (ROTATE, "1", None, True),
        (ROTATE, "abc", None, True),
        (SUBDISTRICT, "x" * 400, None, True),
    ],
)
def test_parse_keeps_valid_and_reports_invalid(spec, raw, value, has_notice):
    """A valid value parses; an invalid one gives None and a Chinese notice."""
    parsed, notice = spec.parse(raw)
    assert parsed == value
    assert (notice is not None) == has_notice
    if notice:
        assert spec.label in notice


def test_parse_params_collects_every_notice():
    """Several bad parameters: every one is reported, good ones still apply."""
    values, notices = parse_params(
        {"subdistrict": "花园路街道", "community": "Z社区", "from": "bad"},
        [SUBDISTRICT, COMMUNITY, FROM],
    )
    assert values == {"subdistrict": "花园路街道"}
    assert len(notices) == 2


def test_reversed_dates_are_swapped_with_notice():
    """from > to is swapped rather than refused."""
    start, end, notice = order_dates(dt.date(2026, 5, 1), dt.date(2026, 1, 1))
    assert (start, end) == (dt.date(2026, 1, 1), dt.date(2026, 5, 1))
    assert notice


def test_changed_params_sets_and_deletes_only_what_differs():
    """Only differing keys are written; None removes a key."""
    to_set, to_delete = changed_params(
        {"subdistrict": "A", "from": "2026-01-01"},
        {"subdistrict": "A", "from": None, "community": "X,Y"},
    )
    assert to_set == {"community": "X,Y"}
    assert to_delete == ["from"]


@given(st.lists(st.text(alphabet="社区甲乙丙丁ABC123", min_size=1, max_size=6), max_size=6))
def test_list_format_round_trips(items):
    """A list written to the URL reads back as the same de-duplicated list."""
    unique = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    spec = UrlParam("community", "社区", kind="list")
    text = spec.format(unique)
    assert (split_list(text) if text else []) == unique


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_date_format_round_trips(day):
    """A date written to the URL reads back unchanged (inside the accepted range; a later one
    reads back as the range's last day, with a notice: issue 9)."""
    value, notice = FROM.parse(FROM.format(day))
    if day <= latest_date():
        assert value == day and notice is None
    else:
        assert value == latest_date() and notice
