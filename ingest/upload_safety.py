"""Checks on an uploaded file before the importer opens it: size, and type by content.

A file's name says nothing about what is in it. An ``.xlsx`` must really be a zip archive with
``[Content_Types].xml`` whose unpacked size is bounded (a zip bomb of a few KB can unpack to
gigabytes: the declared sizes are summed and checked, then the members are really unpacked
with a running count, since declared sizes can lie). A ``.csv`` must decode as text in one of
the encodings the importer accepts and hold no NUL character anywhere (not only in its first megabyte). A Windows program (``MZ``) or any
other binary renamed to ``.xlsx``/``.csv`` is refused with a Chinese reason.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import PurePath

from ingest.parsing import ParseError, decode_csv_bytes

MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_UNPACKED_BYTES = 300 * 1024 * 1024  # a 20 MB real workbook unpacks to well under this
MAX_RATIO = 150  # unpacked / packed: sheet XML compresses ~10–40×, bombs ~1000×
RATIO_FROM_BYTES = 10 * 1024 * 1024  # small archives may compress well, whatever the ratio
MAX_MEMBERS = 10_000
CHUNK = 1024 * 1024
ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".csv")
_SIGNATURES = (
    (b"MZ", "这是一个 Windows 程序（.exe/.dll），不是表格文件"),
    (b"\x7fELF", "这是一个程序文件，不是表格文件"),
    (b"%PDF", "这是一个 PDF 文件，不是表格文件"),
    (b"\xd0\xcf\x11\xe0", "这是旧版 Excel（.xls）或其他 Office 文件：请另存为 .xlsx 后再上传"),
    (b"Rar!", "这是一个 RAR 压缩包，不是表格文件"),
    (b"\x1f\x8b", "这是一个 gzip 压缩包，不是表格文件"),
)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _signature_problem(data: bytes) -> str | None:
    for magic, reason in _SIGNATURES:
        if data.startswith(magic):
            return reason
    return None


def _unpacked_size(archive: zipfile.ZipFile, limit: int) -> int:
    """Really unpack every member, counting bytes; stop as soon as ``limit`` is passed."""
    total = 0
    for info in archive.infolist():
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                total += len(chunk)
                if total > limit:
                    return total
    return total


def _xlsx_problem(data: bytes) -> str | None:
    if not data.startswith(b"PK\x03\x04"):
        return "文件内容不是 .xlsx 格式（扩展名被改过？请在 Excel 中另存为 .xlsx）"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                return "文件内部结构异常（包含的部件过多），已拒绝"
            if "[Content_Types].xml" not in archive.namelist():
                return "文件内容不是 .xlsx 格式（缺少 [Content_Types].xml）"
            declared = sum(info.file_size for info in members)
            if declared > MAX_UNPACKED_BYTES:
                return f"文件解压后过大（{_mb(declared)}，上限 {_mb(MAX_UNPACKED_BYTES)}），疑似压缩炸弹，已拒绝"
            if declared > RATIO_FROM_BYTES and declared > MAX_RATIO * len(data):
                return "文件压缩比异常，疑似压缩炸弹，已拒绝"
            unpacked = _unpacked_size(archive, MAX_UNPACKED_BYTES)
            if unpacked > MAX_UNPACKED_BYTES or unpacked > max(declared, 1) * 2:
                return "文件解压后的实际大小与声明不符，疑似压缩炸弹，已拒绝"
    except RuntimeError:  # an encrypted member
        return "文件有密码保护：请在 Excel 中取消密码后再上传"
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        return "文件已损坏，无法作为 .xlsx 打开（请在 Excel 中打开并另存为 .xlsx）"
    except Exception:  # noqa: BLE001 - a damaged archive may raise anything; never a traceback
        return "文件已损坏，无法作为 .xlsx 打开（请在 Excel 中打开并另存为 .xlsx）"
    return None


def _csv_problem(data: bytes) -> str | None:
    """Text in an accepted encoding with no NUL anywhere (PostgreSQL cannot store one)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: NUL bytes are normal
        try:
            has_nul = "\x00" in decode_csv_bytes(data)
        except ParseError as error:
            return str(error)
        return "文件中含有空字符（NUL），不是正常的文本文件" if has_nul else None
    if b"\x00" in data:
        return "文件内容不是文本（.csv 应为文本文件，其中含有空字符 NUL）"
    try:
        decode_csv_bytes(data)
    except ParseError as error:
        return str(error)
    return None


def upload_problem(name: str, data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> str | None:
    """Why ``data`` (uploaded as ``name``) is refused, in Chinese; ``None`` when it may be read."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return f"不支持的文件类型「{suffix or '无扩展名'}」：只能上传 .xlsx 或 .csv 文件"
    if not data:
        return "文件是空的"
    if len(data) > max_bytes:
        return f"文件过大（{_mb(len(data))}，上限 {_mb(max_bytes)}）：请拆分后分批上传"
    problem = _signature_problem(data)
    if problem:
        return problem
    if suffix == ".csv":
        return _csv_problem(data)
    return _xlsx_problem(data)


__all__ = ["MAX_UPLOAD_BYTES", "MAX_UPLOAD_MB", "upload_problem"]
