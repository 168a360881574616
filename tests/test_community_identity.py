"""Two 街道 each have a 新华社区: filters, URLs and figures keep them apart (issue 10, item 4).

A community is the pair (街道, 社区). A bare name in ``?community=`` is accepted only where it
is unique; an ambiguous one is refused with a notice, never merged with its namesake.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import open_page
from report_rows import Rows
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from figures.census import census_summary
from figures.league import community_league
from figures.livelihood import livelihood_by_community, livelihood_summary
from figures.scope import Scope
from figures.volunteers import volunteer_summary
from ingest.corrections import editable_projects
from ui import format as fmt
from ui.urlstate import CommunityParam

EAST = ("东城街道", "新华社区")
WEST = ("西城街道", "新华社区")
ONLY = ("东城街道", "甲社区")
DIRECTORY = (EAST, WEST, ONLY)
AMBIGUOUS_NOTICE = "「新华社区」在多个街道都有，请选择街道"


# ---------------------------------------------------------------- the URL parameter


@pytest.mark.parametrize(
    ("subdistrict", "raw", "tokens", "notice"),
    [
        (None, "甲社区", ["甲社区"], None),
        (None, "新华社区", None, AMBIGUOUS_NOTICE),
        (None, "新华社区,甲社区", ["甲社区"], AMBIGUOUS_NOTICE),
        (None, "东城街道/新华社区", ["东城街道/新华社区"], None),
        (None, "西城街道／新华社区", ["西城街道/新华社区"], None),
        ("东城街道", "新华社区", ["东城街道/新华社区"], None),
        ("西城街道", "东城街道/新华社区", None, "已忽略无效的社区：东城街道/新华社区"),
        (None, "乙社区", None, "已忽略无效的社区：乙社区"),
    ],
)
def test_bare_name_is_accepted_only_where_unique(subdistrict, raw, tokens, notice):
    """Unique bare names and 街道/社区 parse; an ambiguous bare name gives the Chinese notice."""
    assert CommunityParam(DIRECTORY, subdistrict).parse(raw) == (tokens, notice)


@pytest.mark.parametrize("subdistrict", [None, "东城街道"])
def test_selection_with_the_ambiguous_name_round_trips_through_the_url(subdistrict):
    """What the app writes reads back as the very same communities, with or without a 街道."""
    spec = CommunityParam(DIRECTORY, subdistrict)
    tokens = {key: token for token, key in spec.options().items()}
    chosen = [tokens[ONLY], tokens[EAST]]
    written = spec.format(chosen)
    assert written == "甲社区,东城街道/新华社区"  # bare where unique, 街道/社区 where not
    parsed, notice = spec.parse(written)
    assert notice is None
    assert spec.keys(parsed) == (ONLY, EAST)


def test_widget_labels_name_the_subdistrict_only_where_needed():
    """全部街道: 新华社区（东城街道）; within 东城街道 the name alone is clear."""
    everywhere = CommunityParam(DIRECTORY)
    assert [everywhere.display(t) for t in everywhere.options()] == [
        "新华社区（东城街道）",
        "新华社区（西城街道）",
        "甲社区",
    ]
    east = CommunityParam(DIRECTORY, "东城街道")
    assert [east.display(t) for t in east.options()] == ["新华社区", "甲社区"]


def test_caption_words_say_which_xinhua_is_meant():
    """The caption names the 街道 of an ambiguous community and nothing more."""
    scope = Scope(communities=(EAST, ONLY), shared_names=frozenset({"新华社区"}))
    assert "新华社区（东城街道）、甲社区" in scope.describe()
    assert "（东城街道）" not in Scope("东城街道", (EAST,)).describe()
    with pytest.raises(TypeError):
        Scope(communities=("新华社区",))  # type: ignore[arg-type]


# ---------------------------------------------------------------- the figures (both databases)


AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def twins(engine) -> Rows:  # type: ignore[no-untyped-def]
    """东城 新华社区: 2 projects (1 done), census 30/100, 1 volunteer with 2 h.
    西城 新华社区: 3 projects (none done), census 90/100, 2 volunteers with 5 h each."""
    rows = Rows(engine)
    rows.project(EAST, "已完成", dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    rows.project(EAST, "推进中", dt.date(2026, 12, 1))
    for _ in range(3):
        rows.project(WEST, "推进中", dt.date(2026, 12, 1))
    rows.census("第七次", EAST, dt.date(2026, 6, 1), 100, 30)
    rows.census("第七次", WEST, dt.date(2026, 6, 1), 100, 90)
    rows.volunteer("V1", EAST, dt.date(2026, 1, 5))
    rows.service("V1", EAST, dt.date(2026, 6, 1), 2.0)
    for code in ("V2", "V3"):
        rows.volunteer(code, WEST, dt.date(2026, 1, 5))
        rows.service(code, WEST, dt.date(2026, 6, 1), 5.0)
    return rows


def test_each_xinhua_has_only_its_own_figures(engine, twins):
    """Livelihood, census and volunteers of one 新华社区 leave its namesake out."""
    scope = Scope(communities=(EAST,), date_to=AS_OF)
    livelihood = livelihood_summary(engine, scope)
    assert (livelihood.total, livelihood.completed) == (2, 1)
    assert [(r.subdistrict, r.community) for r in livelihood_by_community(engine, scope)] == [EAST]
    census = census_summary(engine, scope)
    assert (census.expected, census.registered_households) == (100, 30)
    volunteers = volunteer_summary(engine, scope)
    assert (volunteers.registered, volunteers.hours) == (1, 2.0)
    west = volunteer_summary(engine, Scope(communities=(WEST,), date_to=AS_OF))
    assert (west.registered, west.hours) == (2, 10.0)


def test_league_lists_only_the_chosen_xinhua(engine, twins):
    """The league of one 新华社区 is one row, in its own 街道."""
    league = community_league(engine, Scope(communities=(WEST,), date_to=AS_OF))
    standing = [(r.subdistrict, r.community, r.volunteer_registered, r.census_rate) for r in league]
    assert standing == [(*WEST, 2, 0.9)]


def test_correction_list_keeps_the_namesake_out(engine, twins):
    """/data's correction list narrowed to one 新华社区 shows only its projects."""
    projects = editable_projects(engine, year=2026, communities=[EAST])
    assert len(projects) == 2


# ---------------------------------------------------------------- the pages


@pytest.fixture
def twin_app(app_db: str) -> str:
    """The demo database plus a 新华社区 in two of its 街道 (with rows of their own)."""
    engine = create_engine(app_db)
    rows = Rows(engine)
    today = dt.date.today()
    east, west = ("花园路街道", "新华社区"), ("新华路街道", "新华社区")
    rows.project(east, "已完成", today.replace(month=1, day=2), today.replace(month=1, day=2))
    rows.project(east, "推进中", today.replace(month=12, day=31))
    for _ in range(3):
        rows.project(west, "推进中", today.replace(month=12, day=31))
    rows.volunteer("TWIN-E", east, today.replace(month=1, day=1))
    for code in ("TWIN-W1", "TWIN-W2"):
        rows.volunteer(code, west, today.replace(month=1, day=1))
    rows.census("第七次全国人口普查", west, today, 100, 90)
    engine.dispose()
    return app_db


EAST_LINK = {"community": "花园路街道/新华社区"}


def _metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {metric.label: metric.value for metric in at.metric}


def _warnings(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(w.value for w in at.warning)


def test_livelihood_page_shows_one_xinhua(twin_app):
    """?community=花园路街道/新华社区: that community's projects, 1 / 2, one row."""
    at = open_page("livelihood", EAST_LINK)
    assert not at.exception
    assert _metrics(at)["已完成 / 总数"] == "1 / 2"
    assert set(at.dataframe[-1].value["社区"]) == {"新华社区"}
    assert "新华社区（花园路街道）" in at.caption[0].value


def test_volunteers_page_shows_one_xinhua(twin_app):
    """The 注册志愿者 card and ranking count the chosen 新华社区's volunteer only."""
    at = open_page("volunteers", {"community": "新华路街道/新华社区"})
    assert not at.exception
    assert _metrics(at)["注册志愿者"] == fmt.count(2, "人")
    ranking = next(frame.value for frame in at.dataframe if "注册率" in frame.value.columns)
    assert list(ranking["社区"]) == ["新华社区"]


def test_census_page_shows_one_xinhua(twin_app):
    """A 新华社区 without census rows shows no census figure, not its namesake's."""
    east = open_page("census", EAST_LINK)
    west = open_page("census", {"community": "新华路街道/新华社区"})
    assert not east.exception and not west.exception
    assert "90.0%" not in _metrics(east).values()
    assert _metrics(west).get("登记率") == fmt.pct(0.9)


def test_league_on_the_overview_lists_one_xinhua(twin_app):
    """The league of ?community=花园路街道/新华社区 is that one row."""
    at = open_page(None, EAST_LINK)
    league = at.dataframe[0].value
    assert list(zip(league["街道"], league["社区"], strict=True)) == [("花园路街道", "新华社区")]


def test_ambiguous_bare_name_gives_a_notice_and_filters_nothing(twin_app):
    """?community=新华社区 (no 街道): the notice asks for the 街道; nothing is merged."""
    at = open_page(None, {"community": "新华社区"})
    assert not at.exception
    assert AMBIGUOUS_NOTICE in _warnings(at)
    assert at.multiselect(key="community").value == []
    assert "全部社区" in at.caption[0].value


def test_bare_name_within_the_chosen_subdistrict_is_unique(twin_app):
    """?subdistrict=花园路街道&community=新华社区 is that 街道's 新华社区."""
    at = open_page("livelihood", {"subdistrict": "花园路街道", "community": "新华社区"})
    assert not at.exception
    assert AMBIGUOUS_NOTICE not in _warnings(at)
    assert _metrics(at)["已完成 / 总数"] == "1 / 2"


def test_picked_twins_round_trip_through_the_page_url(twin_app):
    """Both 新华社区 picked in the sidebar: the URL names each by 街道 and opens the same view."""
    at = open_page("livelihood")
    widget = at.multiselect(key="community")
    assert "新华社区（花园路街道）" in widget.options
    widget.set_value(["花园路街道/新华社区", "新华路街道/新华社区"]).run()
    written = at.query_params["community"]
    assert written in (
        "花园路街道/新华社区,新华路街道/新华社区",
        ["花园路街道/新华社区,新华路街道/新华社区"],
    )
    again = open_page("livelihood", {"community": "花园路街道/新华社区,新华路街道/新华社区"})
    assert again.multiselect(key="community").value == [
        "花园路街道/新华社区",
        "新华路街道/新华社区",
    ]
    assert _metrics(again)["已完成 / 总数"] == "1 / 5"


def test_big_screen_of_one_xinhua(twin_app):
    """/screen?community=新华路街道/新华社区: that community's board, named by its 街道."""
    at = open_page("screen", {"community": "新华路街道/新华社区"})
    assert not at.exception
    texts = " ".join(str(m.value) for m in at.markdown)
    assert "新华路街道（新华社区）治理数据大屏" in texts


def _league_link() -> None:
    import streamlit as st

    from ui import layout

    st.session_state["link"] = layout.link_params("花园路街道", "新华社区")


def test_league_row_link_names_the_xinhua_by_its_subdistrict(twin_app):
    """The league row click's link reads back as that 新华社区, wherever it is opened."""
    at = AppTest.from_function(_league_link).run()
    assert not at.exception
    assert at.session_state["link"] == {
        "subdistrict": "花园路街道",
        "community": "花园路街道/新华社区",
    }
