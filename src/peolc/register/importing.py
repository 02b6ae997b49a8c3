"""Import an existing practice palliative care register from CSV, all or nothing.

The file has a header row and one row per person. Columns (see ``docs/register-import.md``):

required
    ``nhs_number`` (10 digits, spaces or hyphens allowed), ``given_name``, ``family_name``, ``date_of_birth``,
    ``sex`` (``female``, ``male``, ``unknown``; ``F``/``M``/``U`` accepted), ``date_added``, ``main_diagnosis``
    (a diagnosis group such as ``cancer`` or ``heart_failure``), ``consent_to_share`` (``given``,
    ``best_interests``, ``declined``, ``not_recorded``)
optional
    ``postcode``, ``address``, ``prognosis`` (``years``, ``months``, ``weeks``, ``days``, ``unknown``; default
    ``unknown``), ``identification_route`` (default ``imported``), ``preferred_place_of_death`` (``home``,
    ``care_home``, ``hospice``, ``hospital``, ``other``, ``undecided``) with ``preferred_place_discussed_on``,
    and ``cpr_recommendation`` (``attempt``, ``not_attempt``) which then needs ``cpr_decided_on``,
    ``cpr_clinician_name`` and ``cpr_clinician_role``

Dates are ``YYYY-MM-DD`` or ``DD/MM/YYYY``. Every row is checked, by the same rules as adding a person by hand
(``add_to_register`` and ``update_section``), before anything is kept; every problem is reported as
``FILE:row N: column: message`` where row 1 is the header, as in a spreadsheet. One bad row means nothing is
imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from peolc import nhs_number
from peolc.core.actions import require_permission
from peolc.core.audit import record_event
from peolc.core.models import Organisation, OrganisationType, User
from peolc.core.permissions import Permission
from peolc.register import choices as c
from peolc.register import models as m
from peolc.register.actions import DuplicatePerson, PossibleDuplicate, add_to_register, update_section
from peolc.register.sections import SECTIONS

MAX_ERRORS = 50
REQUIRED_COLUMNS = (
    "nhs_number", "given_name", "family_name", "date_of_birth", "sex", "date_added", "main_diagnosis",
    "consent_to_share",
)
OPTIONAL_COLUMNS = (
    "postcode", "address", "prognosis", "identification_route", "preferred_place_of_death",
    "preferred_place_discussed_on", "cpr_recommendation", "cpr_decided_on", "cpr_clinician_name",
    "cpr_clinician_role",
)
_CPR_COLUMNS = ("cpr_decided_on", "cpr_clinician_name", "cpr_clinician_role")
_DATE_COLUMNS = ("date_of_birth", "date_added", "preferred_place_discussed_on", "cpr_decided_on")
_SEX_ALIASES = {"f": "female", "m": "male", "u": "unknown"}
_CHOICES: dict[str, set[str]] = {
    "sex": set(c.Sex.values),
    "prognosis": {value for value, _ in c.PROGNOSIS_CHOICES},
    "main_diagnosis": {value for value, _ in c.DIAGNOSIS_CHOICES},
    "consent_to_share": set(c.ConsentToShare.values),
    "identification_route": set(c.IdentificationRoute.values),
    "preferred_place_of_death": {value for value, _ in c.PREFERRED_PLACE_CHOICES},
    "cpr_recommendation": set(c.CprRecommendation.values),
}
# Model fields named differently in the file, so action errors point at the column the user typed.
_COLUMN_FOR_FIELD = {
    "preferences": {"discussed_on": "preferred_place_discussed_on"},
    "respect": {"decided_on": "cpr_decided_on", "clinician_name": "cpr_clinician_name",
                "clinician_role": "cpr_clinician_role"},
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows read, people added, and people skipped because they were already registered."""

    rows: int
    imported: int
    skipped: int


class RegisterImportError(Exception):
    """The file was refused; ``errors`` lists every problem found as ``FILE:row N: column: message``."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the file; nothing was imported.")


class _Errors:
    def __init__(self, source: str):
        self.source = source
        self.messages: list[str] = []

    def add(self, row: int, column: str, message: str) -> None:
        if len(self.messages) < MAX_ERRORS:
            self.messages.append(f"{self.source}:row {row}: {column}: {message}")
        elif len(self.messages) == MAX_ERRORS:
            self.messages.append(f"{self.source}: stopped after {MAX_ERRORS} problems; fix these and try again")

    def add_validation(self, row: int, error: ValidationError, section: str = "") -> None:
        renames = _COLUMN_FOR_FIELD.get(section, {})
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add(row, "-", message)
            return
        for field, messages in error.message_dict.items():
            column = "-" if field == "__all__" else renames.get(field, field)
            for message in messages:
                self.add(row, column, message)

    @property
    def full(self) -> bool:
        return len(self.messages) > MAX_ERRORS

    def __bool__(self) -> bool:
        return bool(self.messages)


def parse_date(text: str) -> date:
    """A date written ``YYYY-MM-DD`` or ``DD/MM/YYYY``; raises ``ValueError`` otherwise."""
    text = text.strip()
    if _ISO_DATE.match(text):
        return date.fromisoformat(text)
    match = _UK_DATE.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day)
    raise ValueError(text)


def _read(rows_or_file: str | Path | IO[str] | Iterable[Mapping[str, Any]],
          source_name: str | None) -> tuple[str, list[str] | None, list[dict[str, str]]]:
    """The source's name, its header (None for rows given as mappings) and its rows as dicts of strings."""
    if isinstance(rows_or_file, str | Path):
        path = Path(rows_or_file)
        # Spreadsheets often save CSV with a byte-order mark, which would otherwise stick to the first column name.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            return source_name or path.name, list(reader.fieldnames or []), list(reader)
    if isinstance(rows_or_file, io.IOBase) or hasattr(rows_or_file, "read"):
        reader = csv.DictReader(cast(IO[str], rows_or_file))
        name = source_name or Path(str(getattr(rows_or_file, "name", "upload.csv"))).name
        return name, list(reader.fieldnames or []), list(reader)
    rows = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows_or_file]
    return source_name or "rows", None, rows


def _check_header(header: list[str] | None, rows: list[dict[str, str]], errors: _Errors) -> None:
    columns = [name.strip() for name in header] if header is not None else sorted({k for r in rows for k in r})
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            errors.add(1, name, "missing column")
    for name in columns:
        if name not in known:
            errors.add(1, name, "unknown column (check the spelling against docs/register-import.md)")


def _parse_row(number: int, raw: Mapping[str, str], practice: Organisation, errors: _Errors) -> dict | None:
    """The arguments for the actions, or None when the row has problems (each one added to ``errors``)."""
    row = {key.strip(): (value or "").strip() for key, value in raw.items() if key is not None}
    found = len(errors.messages)
    for column in REQUIRED_COLUMNS:
        if not row.get(column):
            errors.add(number, column, "missing value")
    dates: dict[str, date | None] = {}
    for column in _DATE_COLUMNS:
        try:
            dates[column] = parse_date(row[column]) if row.get(column) else None
        except ValueError:
            errors.add(number, column, "not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    values = {column: row.get(column, "").lower() for column in _CHOICES}
    values["sex"] = _SEX_ALIASES.get(values["sex"], values["sex"])
    values["prognosis"] = values["prognosis"] or "unknown"
    values["identification_route"] = values["identification_route"] or c.IdentificationRoute.IMPORTED
    for column, allowed in _CHOICES.items():
        if values[column] and values[column] not in allowed:
            errors.add(number, column, f"not one of {', '.join(sorted(allowed))}")
    if row.get("nhs_number") and not nhs_number.is_valid(re.sub(r"[ -]", "", row["nhs_number"])):
        errors.add(number, "nhs_number", "not a valid NHS number (10 digits with a correct check digit)")
    if values["cpr_recommendation"]:
        for column in _CPR_COLUMNS:
            if not row.get(column):
                errors.add(number, column, "needed when cpr_recommendation is given")
    if len(errors.messages) > found:
        return None
    parsed: dict[str, Any] = {
        "person": {
            "nhs_number": row["nhs_number"], "given_name": row["given_name"], "family_name": row["family_name"],
            "date_of_birth": dates["date_of_birth"], "sex": values["sex"], "postcode": row.get("postcode", ""),
            "address": row.get("address", ""), "practice": practice,
        },
        "entry": {
            "date_added": dates["date_added"], "prognosis": values["prognosis"],
            "main_diagnosis": values["main_diagnosis"], "consent_to_share": values["consent_to_share"],
            "identification_route": values["identification_route"],
        },
        "preferences": None,
        "respect": None,
    }
    if values["preferred_place_of_death"]:
        parsed["preferences"] = {"preferred_place_of_death": values["preferred_place_of_death"],
                                 "discussed_on": dates["preferred_place_discussed_on"]}
    if values["cpr_recommendation"]:
        parsed["respect"] = {"cpr_recommendation": values["cpr_recommendation"],
                             "decided_on": dates["cpr_decided_on"], "clinician_name": row["cpr_clinician_name"],
                             "clinician_role": row["cpr_clinician_role"]}
    return parsed


def _check_practice(actor: User, practice: Organisation) -> None:
    if practice.type != OrganisationType.GP_PRACTICE:
        raise ValidationError({"practice": f"{practice.code} is not a GP practice."})
    if actor.organisation is None or actor.organisation.pk not in {practice.pk, *(o.pk for o in practice.ancestors())}:
        raise PermissionDenied(f"You can import registers only for your own practice or network, not {practice.code}.")


class _Refused(Exception):
    """Unwinds the import's transaction once every row has been tried."""


def import_practice_register(
    actor: User,
    practice: Organisation,
    rows_or_file: str | Path | IO[str] | Iterable[Mapping[str, Any]],
    *,
    skip_existing: bool = False,
    confirm_possible_duplicates: bool = False,
    source_name: str | None = None,
    today: date | None = None,
) -> ImportResult:
    """Add everyone in a practice's existing register to the shared register, or nobody.

    ``rows_or_file`` is a path, an open text file, or mappings of column to value. ``skip_existing`` skips people
    already on the register at the same practice (same NHS number) instead of refusing the file; people registered
    at another practice are always refused. ``confirm_possible_duplicates`` adds people whose family name and date
    of birth match someone already on the register. Raises ``RegisterImportError`` listing every problem found.
    """
    require_permission(actor, Permission.ADD_TO_REGISTER)
    _check_practice(actor, practice)
    today = today or timezone.localdate()
    source, header, rows = _read(rows_or_file, source_name)
    errors = _Errors(source)
    _check_header(header, rows, errors)
    if errors:
        _refuse(actor, practice, source, len(rows), errors)
    parsed = []
    for number, raw in enumerate(rows, start=2):
        row = _parse_row(number, raw, practice, errors)
        if row is not None and row["respect"] and not SECTIONS["respect"].may_edit(actor):
            errors.add(number, "cpr_recommendation", "only a clinician can import CPR recommendations")
        elif row is not None:
            parsed.append((number, row))
    imported = skipped = 0
    try:
        with transaction.atomic():
            for number, row in parsed:
                if errors.full:
                    break
                if _already_registered(row, practice, skip_existing):
                    skipped += 1
                    continue
                imported += _add_row(actor, number, row, errors, confirm_possible_duplicates, today, source)
            if errors:
                raise _Refused
            record_event(actor, "register.import", object_type="organisation", object_id=practice.code,
                         details={"source": source, "rows": len(rows), "imported": imported, "skipped": skipped})
    except _Refused:
        _refuse(actor, practice, source, len(rows), errors)
    return ImportResult(rows=len(rows), imported=imported, skipped=skipped)


def _already_registered(row: dict, practice: Organisation, skip_existing: bool) -> bool:
    if not skip_existing:
        return False
    digits = re.sub(r"[ -]", "", row["person"]["nhs_number"])
    return m.Person.objects.filter(nhs_number=digits, practice=practice).exists()


def _add_row(actor: User, number: int, row: dict, errors: _Errors, confirm: bool, today: date, source: str) -> bool:
    """Add one row's person in a savepoint; False (with the problems in ``errors``) when it was refused.

    What the file holds is kept as imported from ``source``, not reviewed, until a clinician confirms it in the
    record, even when a clinician imported it: nobody has checked each row against the person.
    """
    section = ""
    try:
        # A savepoint per row, so one refused row does not stop the others being checked.
        with transaction.atomic():
            person = add_to_register(actor, person=row["person"], entry=row["entry"],
                                     confirm_possible_duplicate=confirm, today=today, imported_from=source)
            for section in ("preferences", "respect"):
                if row[section]:
                    update_section(actor, person, section, expected_version=0, details=row[section], today=today,
                                   imported_from=source)
    except DuplicatePerson as error:
        here = error.existing.practice_id == row["person"]["practice"].pk
        errors.add(number, "nhs_number", "already on the register at this practice (use skip existing to leave "
                   "them as they are)" if here else "already on the register at another practice")
    except PossibleDuplicate:
        errors.add(number, "family_name", "someone with the same family name and date of birth is already on the "
                   "register: check they are different people, then confirm possible duplicates")
    except ValidationError as error:
        errors.add_validation(number, error, section)
    except PermissionDenied as error:
        errors.add(number, "-", str(error))
    else:
        return True
    return False


def _refuse(actor: User, practice: Organisation, source: str, rows: int, errors: _Errors) -> None:
    record_event(actor, "register.import_refused", object_type="organisation", object_id=practice.code,
                 details={"source": source, "rows": rows, "problems": len(errors.messages)})
    raise RegisterImportError(errors.messages)
