"""NHS number helpers: the modulus 11 check digit, validation and display format.

Shared by the web application and the synthetic generator, so it imports nothing from Django.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"^\d{10}$")
_SPACED = re.compile(r"^\d{3} \d{3} \d{4}$")
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(first_nine: str) -> int | None:
    """Return the modulus 11 check digit for the first nine digits, or None when no valid number can end them.

    The check digit would be 10 for about one prefix in eleven; such prefixes are never issued.
    """
    if len(first_nine) != 9 or not first_nine.isascii() or not first_nine.isdigit():
        raise ValueError("an NHS number prefix is exactly nine digits")
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, _WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def _compact(nhs_number: str) -> str | None:
    """The ten digits of a number written plainly or in 3-3-4 form, else None."""
    if _DIGITS.match(nhs_number):
        return nhs_number
    if _SPACED.match(nhs_number):
        return nhs_number.replace(" ", "")
    return None


def is_valid(nhs_number: str) -> bool:
    """True when the value is ten digits (optionally spaced 3-3-4) whose last digit is the modulus 11 check digit."""
    if not isinstance(nhs_number, str):
        return False
    digits = _compact(nhs_number)
    if digits is None:
        return False
    return check_digit(digits[:9]) == int(digits[9])


def format(nhs_number: str) -> str:
    """Return a valid NHS number in the 3-3-4 display form, e.g. ``999 123 4567``."""
    if not is_valid(nhs_number):
        raise ValueError("not a valid NHS number")
    digits = _compact(nhs_number)
    assert digits is not None
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
