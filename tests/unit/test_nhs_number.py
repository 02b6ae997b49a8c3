"""NHS number check digit, validation and formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peolc import nhs_number

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("9434765918", False),
        ("943476591", False),
        ("94347659190", False),
        ("943-476-5919", False),
        ("9434 765 919", False),
        ("abcdefghij", False),
        ("", False),
    ],
)
def test_known_numbers(number: str, valid: bool) -> None:
    assert nhs_number.is_valid(number) is valid


def test_non_string_is_invalid() -> None:
    assert nhs_number.is_valid(9434765919) is False  # type: ignore[arg-type]


def test_prefix_with_check_digit_ten_has_no_valid_number() -> None:
    # 1+2+...: weights give a remainder of 1, so 11 - 1 = 10.
    prefix = next(p for p in (f"999{i:06d}" for i in range(1000)) if nhs_number.check_digit(p) is None)
    assert not any(nhs_number.is_valid(prefix + str(d)) for d in range(10))


def test_check_digit_rejects_bad_prefix() -> None:
    with pytest.raises(ValueError, match="nine digits"):
        nhs_number.check_digit("12345678")


def test_format() -> None:
    assert nhs_number.format("9434765919") == "943 476 5919"
    assert nhs_number.format("943 476 5919") == "943 476 5919"
    with pytest.raises(ValueError, match="not a valid"):
        nhs_number.format("9434765918")


@given(nine_digits)
def test_exactly_one_check_digit_or_none(prefix: str) -> None:
    valid_endings = [d for d in range(10) if nhs_number.is_valid(prefix + str(d))]
    expected = nhs_number.check_digit(prefix)
    assert valid_endings == ([] if expected is None else [expected])


@given(nine_digits)
def test_format_round_trips(prefix: str) -> None:
    digit = nhs_number.check_digit(prefix)
    if digit is None:
        return
    number = prefix + str(digit)
    formatted = nhs_number.format(number)
    assert formatted.replace(" ", "") == number
    assert nhs_number.is_valid(formatted)


@given(nine_digits, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_single_digit_change_is_detected(prefix: str, position: int, shift: int) -> None:
    digit = nhs_number.check_digit(prefix)
    if digit is None:
        return
    number = prefix + str(digit)
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert not nhs_number.is_valid(changed)


@pytest.mark.parametrize("number", [
    "٩٩٩٠٠٠٠٠١٨",  # Arabic-Indic digits: str.isdigit() and int() accept them
    "９９９０００００１８",  # fullwidth digits
    "۹۹۹ ۰۰۰ ۰۰۱۸",  # Extended Arabic-Indic, spaced 3-3-4
    "999000001٨",  # one non-ASCII digit
])
def test_digits_other_than_ascii_are_not_valid(number: str) -> None:
    assert not nhs_number.is_valid(number)
    with pytest.raises(ValueError, match="not a valid"):
        nhs_number.format(number)


@pytest.mark.parametrize(("typed", "digits"), [
    ("9990000018", "9990000018"), (" 999 000 0018 ", "9990000018"), ("999-000-0018", "9990000018"),
    ("٩٩٩٠٠٠٠٠١٨", None), ("９９９０００００１８", None), ("99900000１8", None), ("999000001", None), ("", None),
    ("9990000019", "9990000019"),
])
def test_normalise_keeps_ten_ascii_digits_typed_with_spaces_or_hyphens(typed: str, digits: str | None) -> None:
    assert nhs_number.normalise(typed) == digits
