"""Coding systems: how each is checked (each check takes a column's distinct non-null values and returns the
invalid ones) and how the documentation describes it."""

from __future__ import annotations

import re
from collections.abc import Callable

from peolc import nhs_number
from peolc.analytics.contract.vocabularies import ETHNIC_CATEGORY_NAMES

_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z]([0-9X][0-9A-Z]?)?$")
_ODS = re.compile(r"^[A-Z0-9]{3,6}$")
_LSOA = re.compile(r"^[EW]01[0-9]{6}$")
_POSTCODE = re.compile(r"^[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? [0-9][ABD-HJLNP-UW-Z]{2}$")
_SCTID = re.compile(r"^[1-9][0-9]{5,17}$")

_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Verhoeff check digit (as in every SNOMED CT identifier)."""
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(digit)]]
    return check == 0


def _regex_check(pattern: re.Pattern[str]) -> Callable[[list[str]], list[str]]:
    def check(values: list[str]) -> list[str]:
        return [v for v in values if not pattern.match(v)]

    return check


def _sctid_check(values: list[str]) -> list[str]:
    # SNOMED CT and dm+d identifiers share the SCTID format: 6-18 digits ending in a Verhoeff check digit.
    return [v for v in values if not (_SCTID.match(v) and verhoeff_valid(v))]


def _nhs_number_check(values: list[str]) -> list[str]:
    return [v for v in values if len(v) != 10 or not nhs_number.is_valid(v)]


VALUE_CHECKS: dict[str, Callable[[list[str]], list[str]]] = {
    "SNOMED CT": _sctid_check,
    "dm+d": _sctid_check,
    "ICD-10": _regex_check(_ICD10),
    "ODS": _regex_check(_ODS),
    "LSOA": _regex_check(_LSOA),
    "postcode": _regex_check(_POSTCODE),
    "NHS number": _nhs_number_check,
}


CODING_NOTES = {
    "SNOMED CT": "SNOMED CT concept identifier as a string of 6–18 digits with a valid Verhoeff check digit.",
    "dm+d": "Dictionary of medicines and devices (VMP/AMP) identifier, same SCTID format as SNOMED CT.",
    "ICD-10": "ICD-10 (WHO/UK 5th edition) code in upper case without the dot, 3–5 characters, e.g. `C349`, `I50`, "
    "`R69X`; analytics match on prefixes.",
    "ODS": "Organisation Data Service-style code, 3–6 upper-case letters and digits, present in `organisations`.",
    "LSOA": "ONS GSS code of a 2011 or 2021 lower layer super output area (`E01…` England, `W01…` Wales).",
    "postcode": "UK postcode in upper case with a single space before the inward code.",
    "NHS number": "Ten digits, no spaces, valid modulus 11 check digit (`peolc.nhs_number`).",
    "IMD 2019": "Decile of the English Index of Multiple Deprivation 2019 (LSOA 2011), 1 = most deprived.",
    "NHS Data Dictionary ethnic category": "; ".join(f"`{k}` {v}" for k, v in ETHNIC_CATEGORY_NAMES.items()),
}
