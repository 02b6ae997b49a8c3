"""The identification outputs built from scored features: scores with reasons, candidates, register prevalence and
population segments. Everything here is Ibis, so it runs on any backend."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from peolc.analytics.identification import codelists as cl

# Probability of death within 12 months that opens each band (lower bound inclusive).
RISK_BANDS = (("low", 0.0), ("moderate", 0.02), ("high", 0.10), ("very_high", 0.30))
# Not on the register and at least this probability: worth a conversation at the practice's palliative care MDT.
CANDIDATE_THRESHOLD = 0.10
AGE_BANDS = (("0-17", 0), ("18-64", 18), ("65-74", 65), ("75-84", 75), ("85+", 85))
SEGMENTS = ("generally_well", "long_term_conditions", "complex_needs", "last_year_of_life")
SEGMENT_DEFINITIONS = {
    "last_year_of_life": "on the palliative care register, or 12-month risk of death in the high or very high band",
    "complex_needs": "coded moderate or severe frailty, HFRS over 15, care home resident, two or more emergency "
    "admissions in 6 months, or two or more advanced disease groups",
    "long_term_conditions": "any advanced disease group, Charlson index of 1 or more, or any eFI-style deficit",
    "generally_well": "none of the above",
}


def _band(value: ir.NumericValue, bands: tuple[tuple[str, float], ...]) -> ir.StringValue:
    cases = [(value >= lower, name) for name, lower in reversed(bands)]
    return ibis.cases(*cases, else_=bands[0][0])


def _when(condition: ir.BooleanValue, text: ir.StringValue) -> ir.StringValue:
    return ibis.ifelse(condition, text, ibis.null("string"))


def _s(value: ir.Value) -> ir.StringValue:
    return value.cast("string")


def _evidence(column: ir.StringValue) -> ir.StringValue:
    # Evidence is stored as "YYYY-MM-DD code"; show it as "code, YYYY-MM-DD".
    return column.substr(11) + ibis.literal(", ") + column.substr(0, 10)


def reasons(t: ir.Table) -> ir.ArrayValue:
    """Plain-language reasons, each naming the feature and the events (codes and dates) behind it."""
    lit = ibis.literal
    items = [
        _when(
            t.unplanned_2_in_6m,
            _s(t.emergency_admissions_6m)
            + lit(" emergency admissions in 6 months (")
            + t.emergency_admission_dates_6m
            + lit(")"),
        ),
        _when(
            (t.emergency_admissions_12m >= 1) & ~t.unplanned_2_in_6m,
            _s(t.emergency_admissions_12m) + lit(" emergency admission(s) in 12 months"),
        ),
        _when(t.ed_attendances_12m >= 2, _s(t.ed_attendances_12m) + lit(" ED attendances in 12 months")),
        _when(t.hfrs >= 5, lit("HFRS ") + _s(t.hfrs) + lit(": ") + t.hfrs_codes),
        _when(t.charlson >= 1, lit("Charlson index ") + _s(t.charlson) + lit(": ") + t.charlson_conditions),
        _when(
            t.efi_deficits >= 3,
            lit("eFI-style deficits ")
            + _s(t.efi_deficits)
            + lit(f" of {cl.EFI_DEFICITS_TOTAL}: ")
            + t.efi_deficit_names,
        ),
        _when(t.frailty_severity >= 1, t.frailty_evidence.capitalize()),
        _when(t.care_home, t.care_home_evidence.capitalize()),
        _when(t.weight_loss, lit("Weight loss or cachexia (") + _evidence(t.weight_loss_evidence) + lit(")")),
        _when(
            t.declining_function,
            lit("Declining function (") + _evidence(t.declining_function_evidence) + lit(")"),
        ),
        *(
            _when(t[f"dx_{g}"], lit(f"{cl.DISEASE_LABELS[g]} (") + _evidence(t[f"{g}_evidence"]) + lit(")"))
            for g in cl.DISEASE_GROUPS
        ),
        _when(
            t.palliative_code & ~t.on_register,
            lit("Palliative care code recorded ")
            + t.palliative_code_date.strftime("%Y-%m-%d")
            + lit(" but not on the register"),
        ),
        _when(t.age >= 85, lit("Aged ") + _s(t.age)),
    ]
    return ibis.array(items).filter(lambda x: x.notnull())


def scores(features: ir.Table, probability: ir.FloatingValue) -> ir.Table:
    """Per-person scores: features, probability, band, candidate flag, rank in practice and PCN, and reasons
    (for candidates and people on the register; null for everyone else)."""
    t = features.mutate(probability=probability.round(5))
    t = t.mutate(
        risk_band=_band(t.probability, RISK_BANDS),
        age_band=_band(t.age, tuple((name, float(lower)) for name, lower in AGE_BANDS)),
        candidate=~t.on_register & (t.probability >= CANDIDATE_THRESHOLD),
    )
    # Reasons are read for candidates and people on the register only; building them for everyone else would
    # dominate the cost of scoring a population, so theirs are null.
    t = t.mutate(reasons=ibis.ifelse(t.candidate | t.on_register, reasons(t), ibis.null("array<string>")))
    complex_needs = (
        (t.frailty_severity >= 2) | (t.hfrs > 15) | t.care_home | t.unplanned_2_in_6m | (t.disease_groups >= 2)
    )
    ltc = (t.disease_groups >= 1) | (t.charlson >= 1) | (t.efi_deficits >= 1)
    t = t.mutate(
        segment=ibis.cases(
            (t.on_register | t.risk_band.isin(("high", "very_high")), "last_year_of_life"),
            (complex_needs, "complex_needs"),
            (ltc, "long_term_conditions"),
            else_="generally_well",
        )
    )
    order = [t.probability.desc(), t.patient_id]
    return t.mutate(
        rank_in_practice=(ibis.row_number().over(group_by=t.practice_code, order_by=order) + 1).cast("int64"),
        rank_in_pcn=(ibis.row_number().over(group_by=t.pcn_code, order_by=order) + 1).cast("int64"),
    )


CANDIDATE_COLUMNS = (
    "patient_id",
    "practice_code",
    "pcn_code",
    "locality_code",
    "age",
    "sex",
    "probability",
    "risk_band",
    "segment",
    "palliative_code",
    "acp_coded",
    "respect_or_resuscitation_coded",
    "reasons",
)


def candidates(scored: ir.Table) -> ir.Table:
    """High-risk people not on the register, ranked within practice and within PCN among candidates."""
    c = scored.filter(scored.candidate)
    order = [c.probability.desc(), c.patient_id]
    return c.select(
        *CANDIDATE_COLUMNS,
        candidate_rank_in_practice=(ibis.row_number().over(group_by=c.practice_code, order_by=order) + 1).cast("int64"),
        candidate_rank_in_pcn=(ibis.row_number().over(group_by=c.pcn_code, order_by=order) + 1).cast("int64"),
    )


LEVELS = (("practice", "practice_code"), ("pcn", "pcn_code"), ("locality", "locality_code"), ("ics", None))


def _levels(t: ir.Table, metrics: dict[str, ir.Value], extra: tuple[str, ...] = ()) -> ir.Table:
    parts = []
    for level, column in LEVELS:
        code = t[column] if column else ibis.literal("ICS")
        keyed = t.mutate(level=ibis.literal(level), org_code=code)
        parts.append(
            keyed.group_by(["level", "org_code", *extra]).aggregate(**{k: v(keyed) for k, v in metrics.items()})
        )
    out = parts[0]
    for part in parts[1:]:
        out = out.union(part)
    return out


def register_prevalence(scored: ir.Table, prior_deaths: ir.Table) -> ir.Table:
    """Per practice, PCN, locality and the ICS: list size, register, expected deaths, last year's deaths, ratios.

    ``prior_deaths`` has one row per person registered a year before the index date with ``died`` (0/1) for a
    death in the year up to the index date, by their practice then.
    """
    now = _levels(
        scored,
        {
            "list_size": lambda t: t.count(),
            "on_register": lambda t: t.on_register.cast("int64").sum(),
            "expected_deaths_12m": lambda t: t.probability.sum(),
            "candidates": lambda t: t.candidate.cast("int64").sum(),
        },
    )
    prior = _levels(prior_deaths, {"observed_deaths_prior_year": lambda t: t.died.sum()})
    j = now.left_join(prior, ["level", "org_code"]).drop("level_right", "org_code_right")
    deaths = j.observed_deaths_prior_year.fill_null(0)
    return j.select(
        "level",
        "org_code",
        "list_size",
        "on_register",
        "candidates",
        expected_deaths_12m=j.expected_deaths_12m.round(2),
        observed_deaths_prior_year=deaths.cast("int64"),
        register_prevalence_pct=(j.on_register * 100.0 / j.list_size).round(3),
        expected_deaths_pct=(j.expected_deaths_12m * 100.0 / j.list_size).round(3),
        register_to_expected_ratio=ibis.ifelse(
            j.expected_deaths_12m > 0, (j.on_register / j.expected_deaths_12m).round(3), ibis.null("float64")
        ),
        register_to_prior_deaths_ratio=ibis.ifelse(deaths > 0, (j.on_register / deaths).round(3), ibis.null("float64")),
    )


def population_segments(scored: ir.Table) -> ir.Table:
    """Counts by segment, risk band and age band for each practice, PCN, locality and the ICS."""
    return _levels(
        scored,
        {
            "people": lambda t: t.count(),
            "on_register": lambda t: t.on_register.cast("int64").sum(),
            "expected_deaths_12m": lambda t: t.probability.sum().round(2),
        },
        extra=("segment", "risk_band", "age_band"),
    )
