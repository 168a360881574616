"""Upload checks by content: size, renamed programs, zip bombs, broken archives, CSV text."""

from __future__ import annotations

import io
import zipfile

import pytest

from ingest import upload_safety
from ingest.parsing import KIND_BY_KEY
from ingest.templates import template_xlsx
from ingest.upload_safety import upload_problem

CSV = "街道,社区,常住人口,户数\n东城街道,甲社区,100,40\n"


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``members`` with a fixed timestamp: the bytes are part of a test id, and
    pytest-xdist workers collecting a second apart must see the same id."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, body in members.items():
            member = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            member.compress_type = method
            archive.writestr(member, body)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("名录.csv", CSV.encode("utf-8")),
        ("名录.csv", CSV.encode("utf-8-sig")),
        ("名录.csv", CSV.encode("gbk")),
        ("名录.csv", CSV.encode("utf-16")),
        ("民生实事.xlsx", template_xlsx(KIND_BY_KEY["livelihood"])),
    ],
)
def test_real_spreadsheets_pass(name: str, data: bytes) -> None:
    """CSV in the accepted encodings and a real workbook are let through."""
    assert upload_problem(name, data) is None


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("报表.xlsx", b"MZ\x90\x00" + bytes(100), "Windows 程序"),
        ("报表.csv", b"MZ\x90\x00" + bytes(100), "Windows 程序"),
        ("报表.xlsx", b"\x7fELF" + bytes(100), "程序文件"),
        ("报表.xlsx", b"\xd0\xcf\x11\xe0" + bytes(100), "另存为 .xlsx"),
        ("报表.xlsx", b"%PDF-1.7 ...", "PDF"),
        ("报表.xlsx", b"just some text", "不是 .xlsx 格式"),
        ("报表.xlsx", b"PK\x03\x04 broken archive", "已损坏"),
        ("报表.xlsx", zip_bytes({"a.txt": b"hello"}), "[Content_Types].xml"),
        ("报表.csv", b"a,b\x00\x00\x01\x02", "不是文本"),
        ("报表.csv", b"a,b\n\xff\xff\xff", "无法识别文件编码"),
        ("报表.exe", b"MZ", "只能上传 .xlsx 或 .csv"),
        ("报表", CSV.encode(), "无扩展名"),
        ("空.csv", b"", "文件是空的"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(name, data, reason) -> None:
    """Renamed programs, old formats, broken archives and binary CSV: refused with a reason."""
    problem = upload_problem(name, data)
    assert problem is not None and reason in problem


def test_a_file_over_the_size_limit_is_refused() -> None:
    """Bigger than the limit (20 MB): refused before anything reads it."""
    problem = upload_problem("大.csv", b"a" * 1001, max_bytes=1000)
    assert problem is not None and "文件过大" in problem


def test_the_limit_is_twenty_megabytes() -> None:
    assert upload_safety.MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_a_zip_bomb_is_refused_by_its_declared_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Members declaring more than the unpacked limit: refused without unpacking them."""
    monkeypatch.setattr(upload_safety, "MAX_UNPACKED_BYTES", 1_000_000)
    bomb = zip_bytes({"[Content_Types].xml": b"<x/>", "xl/sheet1.xml": b"0" * 2_000_000})
    assert len(bomb) < 20_000
    problem = upload_problem("炸弹.xlsx", bomb)
    assert problem is not None and "压缩炸弹" in problem


def test_a_zip_bomb_is_refused_by_its_ratio(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the size limit but compressed more than any real workbook: refused."""
    monkeypatch.setattr(upload_safety, "RATIO_FROM_BYTES", 100_000)
    bomb = zip_bytes({"[Content_Types].xml": b"<x/>", "xl/sheet1.xml": b"0" * 5_000_000})
    problem = upload_problem("炸弹.xlsx", bomb)
    assert problem is not None and "压缩比异常" in problem


def test_a_zip_that_lies_about_its_sizes_is_caught_while_unpacking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Declared sizes rewritten to look small: the real unpacked count still stops it."""
    monkeypatch.setattr(upload_safety, "MAX_UNPACKED_BYTES", 1_000_000)
    honest = zip_bytes({"[Content_Types].xml": b"<x/>", "xl/sheet1.xml": b"0" * 3_000_000})
    liar = bytearray(honest)
    # Rewrite the uncompressed size of the second member in the central directory to 10 bytes.
    central = liar.rfind(b"PK\x01\x02")
    liar[central + 24 : central + 28] = (10).to_bytes(4, "little")
    problem = upload_problem("说谎.xlsx", bytes(liar))
    assert problem is not None
    assert "压缩炸弹" in problem or "已损坏" in problem
