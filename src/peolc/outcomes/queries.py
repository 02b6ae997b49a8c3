"""Reading the loaded indicator values: choices of period and area, and what an aggregate-only user may see."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

from django.db.models import QuerySet

from peolc.core.disclosure import unsuppressed_areas
from peolc.outcomes import models as m

PERIOD_TYPE_LABELS = {"rolling_12_months": "Rolling 12 months", "financial_year": "Financial year",
                      "calendar_year": "Calendar year", "quarter": "Quarter"}
AREA_TYPE_LABELS = {"icb": "ICB", "locality": "Locality", "pcn": "Primary care network", "practice": "GP practice"}
CHILD_AREA_TYPE = {"icb": "locality", "locality": "pcn", "pcn": "practice"}
BREAKDOWN_LABELS = {"age_band": "Age", "sex": "Sex", "ethnic_group": "Ethnic group",
                    "imd_quintile": "Deprivation (IMD quintile)", "cause_group": "Cause of death"}


def ambition_titles() -> dict[int, str]:
    """The six national ambitions for palliative and end of life care."""
    with resources.files("peolc.reference").joinpath("ambitions.csv").open() as handle:
        return {int(row["ambition_number"]): row["title"] for row in csv.DictReader(handle)}


@dataclass(frozen=True)
class Selection:
    """The period and area a dashboard page shows."""

    period_type: str
    period: str
    area_type: str
    area_code: str
    area_name: str


def periods(period_type: str) -> list[m.Period]:
    return list(m.Period.objects.filter(period_type=period_type).order_by("order"))


def areas() -> list[tuple[str, str, str]]:
    """Every area with values, as (area_type, code, name), the ICB first."""
    rows = (m.IndicatorValue.objects.filter(breakdown="all").values_list("area_type", "area_code", "area_name")
            .distinct())
    rank = list(AREA_TYPE_LABELS)
    return sorted(set(rows), key=lambda a: (rank.index(a[0]) if a[0] in rank else 9, a[2]))


def selection(params) -> Selection | None:
    """The period and area asked for in ``params``, falling back to the latest period and the ICB."""
    period_type = params.get("period_type") if params.get("period_type") in PERIOD_TYPE_LABELS else \
        "rolling_12_months"
    available = periods(period_type)
    if not available:
        return None
    period = params.get("period") if params.get("period") in {p.period for p in available} else available[-1].period
    known = {(code): (kind, name) for kind, code, name in areas()}
    code = params.get("area") if params.get("area") in known else next(
        (c for c, (kind, _) in known.items() if kind == "icb"), None)
    if code is None:
        return None
    kind, name = known[code]
    return Selection(period_type, period, kind, code, name)


def visible(values: QuerySet[m.IndicatorValue], user) -> list[m.IndicatorValue]:
    """Values as ``user`` may see them: suppressed figures are blanked except for areas in the user's own scope."""
    rows = list(values)
    own = unsuppressed_areas(user)
    for row in rows:
        if row.suppressed and row.area_code not in own:
            # As the pipeline's suppressed table: no figure, interval, comparison or trend survives.
            row.numerator = row.denominator = row.value = None
            row.lower_95 = row.upper_95 = row.lower_998 = row.upper_998 = None
            row.comparison, row.trend, row.trend_p_value = "not compared", "", None
    return rows


def visible_inequality(inequality: m.Inequality | None, user) -> m.Inequality | None:
    """The SII and RII as ``user`` may see them: withheld when computed from a quintile the user sees suppressed
    (the indices and the other quintiles would narrow the hidden one down)."""
    if inequality is not None and inequality.any_quintile_suppressed \
            and inequality.area_code not in unsuppressed_areas(user):
        return None
    return inequality
