"""Cell, header and encoding parsing of import files (contract §1), without a database."""

from __future__ import annotations

import codecs
import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.parsing import (
    KIND_BY_KEY,
    TABLE_KINDS,
    ParseError,
    decode_csv_bytes,
    excel_serial_to_date,
    normalize_header,
    parse_date,
    parse_gender,
    parse_hours,
    parse_int,
    parse_month,
    parse_number,
    parse_status,
    parse_text,
    parse_year,
    recognise_table,
)

ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030"]


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("街道", "街道"),
        ("  街道  ", "街道"),
        ("\u3000社区\u3000", "社区"),
        ("\ufeff街道", "街道"),
        ("投资金额（万元）", "投资金额(万元)"),
        ("投资金额 (万元)", "投资金额(万元)"),
        ("服务时长（小时）\t", "服务时长(小时)"),
        (None, ""),
        (2024, "2024"),
    ],
)
def test_normalize_header_tolerates_spaces_and_full_width_parentheses(raw, expected):
    """Spaces (ASCII, full-width, BOM) vanish and （） become ()."""
    assert normalize_header(raw) == expected


@pytest.mark.parametrize("kind", TABLE_KINDS, ids=lambda k: k.key)
def test_recognise_table_finds_every_template_in_any_column_order(kind):
    """Each of the seven header sets is recognised, whatever the column order."""
    headers = list(kind.headers)
    random.Random(kind.key).shuffle(headers)
    assert recognise_table(headers) is kind


def test_recognise_table_ignores_empty_trailing_header_cells():
    """Excel often reports blank cells after the last header: they are not columns."""
    assert (
        recognise_table(["街道", "社区", "常住人口", "户数", None, ""])
        is KIND_BY_KEY["communities"]
    )


def test_recognise_table_returns_none_for_an_empty_row():
    """An entirely empty sheet is skipped, not an error."""
    assert recognise_table([None, "", "  "]) is None


@pytest.mark.parametrize(
    ("headers", "fragments"),
    [
        (["街道", "社区", "常住人口", "户数", "备注"], ["社区名录", "无法识别的列：备注"]),
        (["街道", "社区", "常住人口"], ["社区名录", "缺少列：户数"]),
        (["街道", "社区", "常住人口", "户数", "户数"], ["重复", "户数"]),
        (["姓名", "电话"], ["无法识别表格类型"]),
        (
            ["项目编号", "街道", "社区", "项目名称", "类别", "年度", "计划完成日期", "状态"],
            ["民生实事", "缺少列：完成日期、投资金额(万元)、受益户数"],
        ),
    ],
)
def test_recognise_table_names_the_offending_columns(headers, fragments):
    """Unknown, missing and repeated columns are named in the message."""
    with pytest.raises(ParseError) as caught:
        recognise_table(headers)
    for fragment in fragments:
        assert fragment in str(caught.value)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("2024-3-5", dt.date(2024, 3, 5)),
        ("2024/03/05", dt.date(2024, 3, 5)),
        ("2024/3/5", dt.date(2024, 3, 5)),
        ("2024年3月5日", dt.date(2024, 3, 5)),
        (" 2024 年 3 月 5 日 ", dt.date(2024, 3, 5)),
        ("2024-03-05 00:00:00", dt.date(2024, 3, 5)),
        (dt.datetime(2024, 3, 5, 0, 0), dt.date(2024, 3, 5)),
        (dt.date(2024, 3, 5), dt.date(2024, 3, 5)),
        (45356, dt.date(2024, 3, 5)),
        (45356.75, dt.date(2024, 3, 5)),
    ],
)
def test_parse_date_accepts_every_documented_form(raw, expected):
    """ISO, slashes, 年月日, Excel date cells and Excel serial numbers give the same day."""
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("六月底", "无法识别的日期"),
        ("2024-03", "无法识别的日期"),
        ("2024-03/05", "无法识别的日期"),
        ("03/05/2024", "无法识别的日期"),
        ("2024-02-30", "不存在"),
        ("1850-01-01", "超出合理范围"),
        (-3, "不是有效的日期"),
        (True, "无法识别的日期"),
    ],
)
def test_parse_date_rejects_with_a_chinese_reason(raw, fragment):
    """Anything else is refused with a reason a person can act on."""
    with pytest.raises(ParseError, match=fragment):
        parse_date(raw)


def test_excel_serial_one_is_the_first_of_january_1900():
    """Excel's day 1 is 1900-01-01; 45292 is 2024-01-01."""
    assert excel_serial_to_date(45292) == dt.date(2024, 1, 1)
    assert excel_serial_to_date(61) == dt.date(1900, 3, 1)


DATE_FORMATS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}-{d.month}-{d.day}",
    lambda d: d.strftime("%Y/%m/%d"),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: dt.datetime(d.year, d.month, d.day),
    lambda d: (d - dt.date(1899, 12, 30)).days,
]


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(day=st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)), form=st.sampled_from(DATE_FORMATS))
def test_parse_date_round_trips_every_accepted_format(day, form):
    """Any day written in any accepted form parses back to itself."""
    assert parse_date(form(day)) == day


# --------------------------------------------------------------------------- months


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03", (2024, 3)),
        ("2024-3", (2024, 3)),
        ("2024/03", (2024, 3)),
        ("2024年3月", (2024, 3)),
        ("2024年12月", (2024, 12)),
        ("2024-03-01", (2024, 3)),
        (dt.datetime(2024, 3, 1), (2024, 3)),
        (45352, (2024, 3)),
    ],
)
def test_parse_month_accepts_months_and_date_cells(raw, expected):
    """YYYY-MM, YYYY年M月 and a date (cell or text) all give (year, month)."""
    assert parse_month(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("2024-13", "不存在"),
        ("2024年0月", "不存在"),
        ("三月", "无法识别的月份"),
        ("1900-01", "超出合理范围"),
    ],
)
def test_parse_month_rejects_with_a_chinese_reason(raw, fragment):
    """Impossible, unreadable and absurd months are refused."""
    with pytest.raises(ParseError, match=fragment):
        parse_month(raw)


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(year=st.integers(1990, 2100), month=st.integers(1, 12), chinese=st.booleans())
def test_parse_month_round_trips(year, month, chinese):
    """Any month written as YYYY-MM or YYYY年M月 parses back to itself."""
    text = f"{year}年{month}月" if chinese else f"{year}-{month:02d}"
    assert parse_month(text) == (year, month)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12.0),
        (" 12.5 ", 12.5),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        (".5", 0.5),
        ("0", 0.0),
        ("-0", 0.0),
        (7, 7.0),
        (7.25, 7.25),
    ],
)
def test_parse_number_accepts_plain_and_grouped_numbers(raw, expected):
    """Text numbers, thousands separators and Excel numeric cells are read."""
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("-1", "不能为负数"),
        (-0.5, "不能为负数"),
        ("abc", "不是有效的数字"),
        ("1,23", "不是有效的数字"),
        ("nan", "不是有效的数字"),
        ("inf", "不是有效的数字"),
        (float("nan"), "不是有效的数字"),
        (True, "不是有效的数字"),
        ("1_000", "不是有效的数字"),
    ],
)
def test_parse_number_rejects_negative_and_non_numbers(raw, fragment):
    """Negative numbers and anything that is not a number are refused."""
    with pytest.raises(ParseError, match=fragment):
        parse_number(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("12", 12), (12.0, 12), ("12.0", 12), ("1,200", 1200)]
)
def test_parse_int_accepts_integral_values_from_excel(raw, expected):
    """Excel hands integers over as floats such as 12.0: they are integers."""
    value = parse_int(raw)
    assert value == expected and isinstance(value, int)


def test_parse_int_rejects_a_fraction():
    """12.5 households is a mistake, not 12."""
    with pytest.raises(ParseError, match="必须为整数"):
        parse_int("12.5")


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_parse_number_round_trips_with_thousands_separators(number):
    """A number written with or without thousands separators parses back to itself."""
    assert parse_number(f"{number:,.2f}") == pytest.approx(round(number, 2))
    assert parse_number(repr(number)) == number


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(st.integers(min_value=0, max_value=10**12))
def test_parse_int_round_trips(number):
    """An integer as text, grouped text or Excel float parses back to itself."""
    assert parse_int(str(number)) == parse_int(f"{number:,}") == number
    if number < 2**53:
        assert parse_int(float(number)) == number


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
def test_parse_number_refuses_every_negative_number(number):
    """No negative number gets through, whatever its size."""
    with pytest.raises(ParseError, match="不能为负数"):
        parse_number(str(number))


# --------------------------------------------------------------------------- other cells


@pytest.mark.parametrize(
    ("parser", "raw", "expected"),
    [
        (parse_text, "  甲 ", "甲"),
        (parse_text, 1001.0, "1001"),
        (parse_text, 1001, "1001"),
        (parse_text, dt.datetime(2024, 1, 2), "2024-01-02"),
        (parse_year, "2024", 2024),
        (parse_year, 2024.0, 2024),
        (parse_year, "2024年", 2024),
        (parse_status, " 已完成 ", "已完成"),
        (parse_gender, "男", "男"),
        (parse_gender, "女性", "女"),
        (parse_hours, "24", 24.0),
        (parse_hours, "0.5", 0.5),
    ],
)
def test_cell_parsers_accept_valid_values(parser, raw, expected):
    """Codes typed as numbers stay codes; years, statuses, genders and hours are read."""
    assert parser(raw) == expected


@pytest.mark.parametrize(
    ("parser", "raw", "fragment"),
    [
        (parse_text, "x" * 101, "内容过长"),
        (parse_year, "1800", "超出合理范围"),
        (parse_year, "今年", "不是有效的年份"),
        (parse_status, "进行中", "状态必须是"),
        (parse_gender, "未知", "性别应为"),
        (parse_hours, "0", "大于 0 且不超过 24"),
        (parse_hours, "24.5", "大于 0 且不超过 24"),
    ],
)
def test_cell_parsers_reject_with_a_chinese_reason(parser, raw, fragment):
    """Out-of-range years, unknown statuses, bad genders and impossible hours are refused."""
    with pytest.raises(ParseError, match=fragment):
        parser(raw)


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_decode_csv_bytes_reads_every_accepted_encoding(encoding):
    """UTF-8 with or without BOM, GBK and GB18030 all decode to the same text."""
    text = "街道,社区,常住人口,户数\r\n城关街道,东门社区,8650,3120\r\n"
    assert decode_csv_bytes(text.encode(encoding)) == text


def test_decode_csv_bytes_reads_excel_unicode_text():
    """Excel's "Unicode text" export (UTF-16 with BOM) is read too."""
    text = "街道\t社区\r\n"
    assert decode_csv_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == text


def test_decode_csv_bytes_rejects_undecodable_bytes():
    """Bytes that are neither UTF-8 nor GB18030 give a Chinese hint about saving as CSV."""
    with pytest.raises(ParseError, match="无法识别文件编码"):
        decode_csv_bytes(b"\x81\x20\x81")


@pytest.mark.parametrize("kind", TABLE_KINDS, ids=lambda k: k.key)
def test_gbk_headers_are_never_valid_utf8(kind):
    """Why trying UTF-8 first is safe: no GBK template header is also valid UTF-8."""
    with pytest.raises(UnicodeDecodeError):
        ",".join(kind.headers).encode("gbk").decode("utf-8")


CHINESE_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
        st.sampled_from("0123456789,.-/ abcXYZ，。（）、"),
    ),
    max_size=200,
)


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(body=CHINESE_TEXT, encoding=st.sampled_from(ENCODINGS))
def test_decode_csv_bytes_round_trips_random_chinese_text(body, encoding):
    """Random Chinese CSV content under a template header decodes back in every encoding."""
    text = "街道,社区,常住人口,户数\r\n" + body
    assert decode_csv_bytes(text.encode(encoding)) == text


HEADER_NOISE = st.text(alphabet=" \u3000\t", max_size=3)


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(
    kind=st.sampled_from(TABLE_KINDS),
    before=HEADER_NOISE,
    after=HEADER_NOISE,
    full_width=st.booleans(),
)
def test_normalize_header_undoes_spaces_and_full_width_parentheses(kind, before, after, full_width):
    """Any template header with surrounding spaces or （） normalises back to itself."""
    for header in kind.headers:
        typed = header.replace("(", "（").replace(")", "）") if full_width else header
        assert normalize_header(before + typed + after) == header


@pytest.mark.parametrize(
    ("parser", "raw", "expected"),
    [
        (parse_number, "１，２３４．５", 1234.5),
        (parse_int, "１２", 12),
        (parse_date, "２０２４－０３－０５", dt.date(2024, 3, 5)),
        (parse_date, "２０２４年３月５日", dt.date(2024, 3, 5)),
        (parse_month, "２０２４－０３", (2024, 3)),
    ],
)
def test_full_width_digits_typed_with_a_chinese_ime_are_read(parser, raw, expected):
    """Full-width digits and punctuation read the same as their ASCII twins."""
    assert parser(raw) == expected


# --------------------------------------------------------------------------- issue 9: hostile cells


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＴＯ-００１", "TO-001"),
        ("ｍｓ２０２４－００１", "ms2024-001"),
        (" V001 ", "V001"),
        (12.0, "12"),
    ],
)
def test_codes_are_read_in_nfkc_so_full_width_letters_match(raw, expected):
    """Keys typed with a Chinese IME: full-width letters normalise like full-width digits."""
    from ingest.parsing import parse_code

    assert parse_code(raw) == expected


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x08", "\x7f", "\x9b", "\u202e", "\u2066"])
def test_text_with_a_control_character_is_refused_and_the_message_shows_it_escaped(control):
    """NUL, ESC, DEL, C1 and bidi controls are refused; the message never carries the raw byte."""
    with pytest.raises(ParseError, match="控制字符") as caught:
        parse_text(f"项目{control}名称")
    assert control not in str(caught.value) and "\\" in str(caught.value)


@pytest.mark.parametrize("text", ["第一行\n第二行", "a\tb", "a\r\nb", "普通文字"])
def test_line_breaks_and_tabs_inside_a_cell_are_ordinary_text(text):
    """Alt+Enter in Excel and tabs are kept: they are text, not control codes."""
    assert parse_text(text) == text


@settings(deadline=None)
@given(st.text(max_size=30))
def test_visible_leaves_nothing_a_terminal_would_interpret(text):
    """``visible`` escapes every control character (the CLI prints through it)."""
    from ingest.parsing import visible

    shown = visible(text)
    assert not any(0 <= ord(c) < 0x20 and c not in "\t\n\r" for c in shown)
    assert "\x1b" not in shown and "\x7f" not in shown and "\u202e" not in shown


@pytest.mark.parametrize("raw", ["1e308", 1e308, "1000000000001", "inf", float("nan")])
def test_numbers_beyond_the_documented_maximum_or_not_finite_are_refused(raw):
    """Every accepted number is at most MAX_NUMBER, so any sum of them stays finite."""
    with pytest.raises(ParseError):
        parse_number(raw)


def test_the_maximum_number_itself_is_accepted():
    from ingest.parsing import MAX_NUMBER

    assert parse_number(str(MAX_NUMBER)) == MAX_NUMBER
