"""What the table's frontend prints for a number cell with a printf ``format``, for tests that
read a table as a person does (``st.column_config.NumberColumn`` / ``ProgressColumn``)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

_PRINTF = re.compile(
    r"^(?P<before>[^%]*)%(?P<sign>\+)?(?P<sep>,)?(?:\.(?P<digits>\d+))?(?P<kind>[df])(?P<after>.*)$"
)


def is_printf(form: str | None) -> bool:
    """Whether ``form`` is a printf format this module prints (not "accounting", "percent"…)."""
    return bool(form) and _PRINTF.match(str(form).replace("%%", "\x00")) is not None


def browser_printf(printf: str, value: float) -> str:
    """What the table's frontend (sprintf-js in Streamlit 1.67) prints for ``value``: ``%d``
    cuts to an integer, ``%.Nf`` is JavaScript's ``toFixed`` (the exact binary value, a tie
    away from zero), ``,`` puts separators in the integer part, ``+`` a sign; ``%%`` is %."""
    match = _PRINTF.match(printf.replace("%%", "\x00"))
    assert match, printf
    if match["kind"] == "d":
        number = Decimal(int(value))
    else:
        exact = Decimal(value).copy_abs()
        number = exact.quantize(Decimal(1).scaleb(-int(match["digits"] or 0)), ROUND_HALF_UP)
        number = number.copy_sign(Decimal(value))
    sign = "-" if number < 0 else ("+" if match["sign"] else "")
    text = f"{abs(number):,}" if match["sep"] else f"{abs(number)}"
    return (match["before"] + sign + text + match["after"]).replace("\x00", "%")
