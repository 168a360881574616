"""argparse in Chinese: ``manage.py --help`` and its error messages are read by office staff.

argparse writes its own words (usage:, options:, "show this help message and exit", "the
following arguments are required") through ``gettext``; without a Chinese catalogue they stay
English. ``ChineseArgumentParser`` sets the section titles and the help option itself and
translates argparse's messages through the table below (unknown ones stay as they are).
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

MESSAGES: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项：%(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "expected at least one argument": "至少需要一个值",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
}


def translate(message: str) -> str:
    """argparse's English message in Chinese (the message itself when it is not listed)."""
    return MESSAGES.get(message, message)


# argparse looks its module-level ``_`` up at call time: every message passes through here.
argparse._ = translate  # type: ignore[attr-defined]


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are Chinese (subparsers inherit the class)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        """``manage.py：错误：…`` after the usage line, exit code 2 (as argparse does)."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")
