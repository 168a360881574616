"""Dates out of the accepted range (URL and command line) are moved into it with a notice.

Issue 9: ``?from=1999-12-31``, ``?to=9999-12-31``, ``/weekly?as_of=1970-01-01`` and
``/screen?to=0001-01-01`` showed a traceback on 37 of 59 loads; ``report --as-of 0001-01-01``
crashed. The one rule lives in ``figures.scope`` (2000-01-01 to 31 December of next year).
"""

from __future__ import annotations

import datetime as dt

import pytest
from direct import PAGES, open_direct

from figures.scope import EARLIEST_DATE, clamp_date, latest_date
from ui.urlstate import UrlParam

BAD_URLS = [
    {"from": "1999-12-31"},
    {"to": "9999-12-31"},
    {"as_of": "1970-01-01"},
    {"to": "0001-01-01"},
    {"from": "0001-01-01", "to": "9999-12-31", "as_of": "9999-12-31"},
]
TODAY = dt.date.today()


def shown_text(at) -> str:  # type: ignore[no-untyped-def]
    """Everything a person reads: warnings, markdown (the big screen's notices), captions."""
    parts = [w.value for w in at.warning] + [m.value for m in at.markdown]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(1, 1, 1), EARLIEST_DATE),
        (dt.date(1999, 12, 31), EARLIEST_DATE),
        (dt.date(2020, 6, 30), dt.date(2020, 6, 30)),
        (dt.date(9999, 12, 31), dt.date(TODAY.year + 1, 12, 31)),
    ],
)
def test_clamp_date_moves_a_date_into_the_documented_range(day, expected):
    """Before 2000-01-01 → 2000-01-01; after 31 December of next year → that day."""
    assert clamp_date(day) == expected
    assert latest_date(dt.date(2026, 3, 1)) == dt.date(2027, 12, 31)


def test_a_url_date_out_of_range_is_clamped_with_a_notice():
    """The URL parser gives the clamped date and a notice naming the old and new dates."""
    value, notice = UrlParam("to", "截止日期", kind="date").parse("0001-01-01")
    assert value == EARLIEST_DATE
    assert notice and "0001-01-01" in notice and "2000-01-01" in notice and "截止日期" in notice


@pytest.mark.parametrize(
    "params", BAD_URLS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_with_an_out_of_range_date_and_says_so(app_db, page, params):
    """No traceback on any page; the notice says which date was changed (issue 9)."""
    at = open_direct(page, params)
    assert not at.exception, [e.value for e in at.exception]
    relevant = [k for k in params if k != "as_of" or page == "weekly"]
    text = shown_text(at)
    for key in relevant:
        assert params[key] in text, (key, text)
    assert ("超出可用范围" in text) == bool(relevant)


@pytest.mark.parametrize("as_of", ["0001-01-01", "1970-01-01", "9999-12-31"])
def test_report_as_of_out_of_range_is_a_clear_chinese_error(
    as_of, app_db, capsys: pytest.CaptureFixture[str]
):
    """``report --as-of 0001-01-01``: exit 2 and a Chinese message with the range, no traceback."""
    import manage

    code = manage.main(["report", "--as-of", as_of])
    err = capsys.readouterr().err
    assert code == 2
    assert "超出可用范围" in err and "2000-01-01" in err
    assert "Traceback" not in err


def test_report_as_of_at_the_edge_of_the_range_works(app_db, capsys: pytest.CaptureFixture[str]):
    """The first accepted day itself is a valid report date."""
    import manage

    assert manage.main(["report", "--as-of", "2000-01-01", "--format", "json"]) == 0
    assert '"as_of": "2000-01-01"' in capsys.readouterr().out
