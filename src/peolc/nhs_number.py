"""NHS number helpers: the modulus 11 check digit, validation and display format.

Shared by the web application and the synthetic generator, so it imports nothing from Django.
"""

from __future__ import annotations

import re

# [0-9], not \d: \d, str.isdigit() and int() all accept other scripts' digits (Arabic-Indic, fullwidth), which
# are not NHS numbers and must not reach the check digit arithmetic.
_DIGITS = re.compile(r"^[0-9]{10}$")
_SPACED = re.compile(r"^[0-9]{3} [0-9]{3} [0-9]{4}$")
_TYPED_SEPARATORS = re.compile(r"[ -]")
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


def normalise(typed: str) -> str | None:
    """The ten ASCII digits of a number as people type it (spaces or hyphens anywhere), else None.

    The check digit is not tested here (see ``is_valid``): a search or a form can say "not found" or "check digit
    wrong" separately.
    """
    digits = _TYPED_SEPARATORS.sub("", typed.strip()) if isinstance(typed, str) else ""
    return digits if _DIGITS.match(digits) else None


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
