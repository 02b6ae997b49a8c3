"""Per-person features at an index date, from the contract tables, as one Ibis expression.

Rules every feature follows (tested in ``tests/spec/identification``):

- The cohort is everyone **alive and registered** on the index date: a registration with ``start_date <= index``
  and ``end_date`` null or on/after the index, and no death on or before the index date.
- Events count when they fall **on or before** the index date (``date <= index``) and after the start of the
  feature's look-back. A record dated on the index date is in the extract taken that day, so it is known.
- Deaths are only ever outcomes: a person in the cohort is alive on the index date, so no event after their death
  can be counted.
- Records from before the current registration **do** count: the GP record moves with the person (GP2GP) and
  hospital data are linked nationally, so earlier history is genuinely known to the practice.
- Every code counts once per person per feature (HFRS: each 3-character category once; Charlson: each condition
  once; eFI-style: each deficit once), so duplicated rows never inflate a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from peolc.analytics.identification import codelists as cl

HFRS_LOOKBACK_MONTHS = 24
CONDITION_LOOKBACK_MONTHS = 36
RECENT_MONTHS = 12
UNPLANNED_MONTHS = 6


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the last day of the month when it does not exist)."""
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


@dataclass(frozen=True)
class Windows:
    """Look-back boundaries for an index date; an event is in a window when ``start < date <= index``."""

    index: date

    @property
    def hfrs(self) -> date:
        return months_before(self.index, HFRS_LOOKBACK_MONTHS)

    @property
    def conditions(self) -> date:
        return months_before(self.index, CONDITION_LOOKBACK_MONTHS)

    @property
    def recent(self) -> date:
        return months_before(self.index, RECENT_MONTHS)

    @property
    def unplanned(self) -> date:
        return months_before(self.index, UNPLANNED_MONTHS)


def as_date(day: date) -> ir.DateScalar:
    """A date literal."""
    return ibis.date(day.isoformat())


def _within(column: ir.DateColumn, start: date, index: date) -> ir.BooleanColumn:
    return (column > as_date(start)) & (column <= as_date(index))


def union_all(first: ir.Table, *others: ir.Table) -> ir.Table:
    """UNION ALL by column position and name, with every column nullable.

    Contract columns are NOT NULL and derived ones are not, and Ibis refuses to union the two.
    """
    schema = {name: dtype.copy(nullable=True) for name, dtype in first.schema().items()}
    parts = [t.select(**{name: t[name].cast(dtype) for name, dtype in schema.items()}) for t in (first, *others)]
    result = parts[0]
    for part in parts[1:]:
        result = result.union(part)
    return result


def _iso(column: ir.DateValue) -> ir.StringValue:
    return column.strftime("%Y-%m-%d")


def _joined(values: ir.Column, separator: str = ", ") -> ir.StringValue:
    # Spark cannot order inside an aggregate, so collect then sort: ISO dates and codes sort meaningfully as text.
    return values.collect().sort().join(separator)


def cohort(tables: dict[str, ir.Table], index: date) -> ir.Table:
    """Everyone alive and registered on ``index``: id, practice, PCN, locality, age in whole years and sex."""
    reg = tables["practice_registrations"]
    active = reg.filter((reg.start_date <= as_date(index)) & (reg.end_date.isnull() | (reg.end_date >= as_date(index))))
    # Overlapping registrations are a data error; the most recent start wins so each person has one practice.
    ranked = active.mutate(
        _n=ibis.row_number().over(
            ibis.window(group_by=active.patient_id, order_by=[active.start_date.desc(), active.registration_id.desc()])
        )
    )
    current = ranked.filter(ranked._n == 0).select("patient_id", "practice_code", "pcn_code", "locality_code")
    deaths = tables["deaths"]
    dead = deaths.filter(deaths.date_of_death <= as_date(index)).select("patient_id")
    alive = current.anti_join(dead, "patient_id")
    people = tables["patients"]
    joined = alive.join(people.select("patient_id", "birth_month", "sex"), "patient_id")
    # Birth months are stored as the 1st, so the birthday has passed once the index month reaches the birth month.
    age = (ibis.literal(index.year) - joined.birth_month.year()) - ibis.ifelse(
        ibis.literal(index.month) < joined.birth_month.month(), 1, 0
    )
    return joined.select("patient_id", "practice_code", "pcn_code", "locality_code", "sex", age=age.cast("int32"))


def diagnoses(spells: ir.Table, start: date, index: date) -> ir.Table:
    """One row per ICD-10 code on a spell admitted in the window: patient, admission date, method, code (no dot)."""
    s = spells.filter(_within(spells.admission_date, start, index))
    keep = ("patient_id", "admission_date", "admission_method")
    primary = s.select(*keep, code=s.primary_diagnosis)
    secondary = s.select(*keep, code=s.secondary_diagnoses).unnest("code", keep_empty=False)
    both = union_all(primary, secondary)
    clean = both.code.upper().replace(".", "").strip()
    return both.mutate(code=clean, code3=clean.substr(0, 3), code4=clean.substr(0, 4))


def match_icd10(dx: ir.Table, codes: pa.Table) -> ir.Table:
    """Diagnoses whose code starts with a 3- or 4-character prefix of ``codes`` (columns code, group)."""
    lists = cl.memtable(codes).select("code", "group").rename(list_code="code", list_group="group")
    three = lists.filter(lists.list_code.length() == 3)
    four = lists.filter(lists.list_code.length() == 4)
    cols = ("patient_id", "admission_date", "code", "code3")
    by3 = dx.join(three, dx.code3 == three.list_code).select(*cols, group="list_group", prefix="list_code")
    by4 = dx.join(four, dx.code4 == four.list_code).select(*cols, group="list_group", prefix="list_code")
    return union_all(by3, by4)


def match_snomed(gp: ir.Table, codes: pa.Table) -> ir.Table:
    """GP events whose SNOMED CT code is in ``codes`` (columns code, group, term); ``label`` is code and term."""
    lists = cl.memtable(codes).rename(list_code="code", list_group="group", list_term="term")
    j = gp.join(lists, gp.snomed_code == lists.list_code)
    return j.select(
        "patient_id", "event_date", code="snomed_code", group="list_group", label=j.snomed_code + " " + j.list_term
    )


def _hfrs(dx: ir.Table) -> ir.Table:
    points = pa.table({"hfrs_code": list(cl.hfrs_points()), "points": list(cl.hfrs_points().values())})
    ref = cl.memtable(points)
    hits = dx.select("patient_id", "code3").distinct()
    scored = hits.join(ref, hits.code3 == ref.hfrs_code)
    label = scored.hfrs_code + ibis.literal(" ") + scored.points.cast("string")
    return scored.group_by("patient_id").aggregate(hfrs=scored.points.sum(), hfrs_codes=_joined(label))


def _charlson(dx: ir.Table) -> ir.Table:
    pairs = cl.charlson_prefixes()
    codes = pa.table({"code": [p for p, _ in pairs], "group": [k for _, k in pairs]})
    hits = match_icd10(dx, codes).select("patient_id", "group").distinct()
    flags = hits.group_by("patient_id").aggregate(
        **{f"_c_{key}": (hits.group == key).any() for key in cl.charlson_weights()}
    )
    weights = cl.charlson_weights()
    names = cl.charlson_names()
    counted = {
        key: flags[f"_c_{key}"] & ~flags[f"_c_{cl.CHARLSON_HIERARCHY[key]}"]
        if key in cl.CHARLSON_HIERARCHY
        else flags[f"_c_{key}"]
        for key in weights
    }
    score = sum((ibis.ifelse(flag, weights[key], 0) for key, flag in counted.items()), ibis.literal(0))
    labels = ibis.array(
        [ibis.ifelse(flag, ibis.literal(names[key]), ibis.null("string")) for key, flag in counted.items()]
    )
    return flags.select(
        "patient_id",
        charlson=score.cast("int32"),
        charlson_conditions=labels.filter(lambda x: x.notnull()).join(", "),
    )


def _latest(events: ir.Table, date_col: str, by: tuple[str, ...] = ("patient_id",)) -> ir.Table:
    # The maximum of "date code" strings gives the latest date and a code recorded that day in one pass.
    stamp = _iso(events[date_col]) + ibis.literal(" ") + events.code
    return events.group_by(list(by)).aggregate(_latest=stamp.max())


def build_features(tables: dict[str, ir.Table], index: date) -> ir.Table:
    """One row per person in the cohort on ``index`` with every identification feature and its evidence."""
    w = Windows(index)
    base = cohort(tables, index)
    spells = tables["hospital_spells"]
    gp_all = tables["gp_events"]
    gp = gp_all.filter(_within(gp_all.event_date, w.conditions, index))

    dx3 = diagnoses(spells, w.conditions, index)
    dx2 = dx3.filter(dx3.admission_date > as_date(w.hfrs))
    recent_dx = dx3.filter(dx3.admission_date > as_date(w.recent))

    # Emergency activity.
    sp = spells.filter(_within(spells.admission_date, w.recent, index) & (spells.admission_method == "emergency"))
    in_6m = sp.admission_date > as_date(w.unplanned)
    emergency = sp.group_by("patient_id").aggregate(
        emergency_admissions_12m=sp.count(),
        emergency_admissions_6m=in_6m.sum(),
        emergency_admission_dates_6m=_joined(ibis.ifelse(in_6m, _iso(sp.admission_date), ibis.null("string"))),
    )
    ed_t = tables["emergency_attendances"]
    ed = ed_t.filter(_within(ed_t.arrival_date, w.recent, index))
    attendances = ed.group_by("patient_id").aggregate(ed_attendances_12m=ed.count())
    cc_t = tables.get("community_contacts")

    # Advanced disease groups: GP SNOMED CT codes and hospital ICD-10 codes over the condition look-back.
    # Evidence names the SNOMED CT term where there is one; ICD-10 codes speak for themselves to clinicians.
    gp_dx = match_snomed(gp, cl.codes("advanced_disease", cl.SNOMED))
    hosp_dx = match_icd10(dx3, cl.codes("advanced_disease", cl.ICD10))
    disease = _latest(
        union_all(
            gp_dx.select("patient_id", "group", day="event_date", code="label"),
            hosp_dx.select("patient_id", "group", day="admission_date", code="code"),
        ),
        "day",
        ("patient_id", "group"),
    )
    disease_wide = disease.group_by("patient_id").aggregate(
        **{
            f"{g}_evidence": ibis.ifelse(disease.group == g, disease._latest, ibis.null("string")).max()
            for g in cl.DISEASE_GROUPS
        }
    )

    # eFI-style deficits: each deficit once, from GP codes or hospital diagnoses.
    gp_def = match_snomed(gp, cl.codes("frailty_deficits", cl.SNOMED)).select("patient_id", "group")
    hosp_def = match_icd10(dx3, cl.codes("frailty_deficits", cl.ICD10)).select("patient_id", "group")
    deficits = union_all(gp_def, hosp_def).distinct()
    efi = deficits.group_by("patient_id").aggregate(
        efi_deficits=deficits.count(), efi_deficit_names=_joined(deficits.group.replace("_", " "))
    )

    # Frailty assessment: the most recent coded severity wins, even when it is milder than an earlier one.
    frail = match_snomed(gp, cl.codes("frailty_assessment", cl.SNOMED))
    frail_ranked = frail.mutate(
        _n=ibis.row_number().over(
            ibis.window(group_by=frail.patient_id, order_by=[frail.event_date.desc(), frail.code])
        )
    )
    severity = ibis.cases(*((frail_ranked.group == k, v) for k, v in cl.FRAILTY_SEVERITY.items()), else_=0)
    frailty = frail_ranked.filter(frail_ranked._n == 0).select(
        "patient_id",
        frailty_severity=severity.cast("int32"),
        frailty_evidence=frail_ranked.group + ibis.literal(" frailty coded ") + _iso(frail_ranked.event_date),
    )

    # Care home: a residency spanning the index date, or a GP care-home code in the last year.
    res_t = tables.get("care_home_residency")
    home_gp = match_snomed(gp.filter(gp.event_date > as_date(w.recent)), cl.codes("care_home", cl.SNOMED))
    home_events = home_gp.select("patient_id", day="event_date", source=ibis.literal("care home code recorded"))
    if res_t is not None:
        res = res_t.filter(
            (res_t.start_date <= as_date(index)) & (res_t.end_date.isnull() | (res_t.end_date >= as_date(index)))
        )
        home_events = union_all(
            home_events, res.select("patient_id", day="start_date", source=ibis.literal("care home resident since"))
        )
    care_home = home_events.group_by("patient_id").aggregate(
        care_home_evidence=(home_events.source + ibis.literal(" ") + _iso(home_events.day)).max()
    )

    # Weight loss and declining function in the last year (SPICT general indicators).
    wl = match_icd10(recent_dx, cl.codes("weight_loss", cl.ICD10)).rename(day="admission_date")
    weight_loss = _latest(wl, "day").rename(weight_loss_evidence="_latest")
    falls = match_icd10(
        recent_dx, cl.codes("frailty_deficits", cl.ICD10, ("falls", "mobility_and_transfer_problems"))
    ).select("patient_id", "code", day="admission_date")
    severe = frail.filter((frail.event_date > as_date(w.recent)) & frail.group.isin(("moderate", "severe")))
    decline_events = union_all(
        falls, severe.select("patient_id", code=severe.group + ibis.literal(" frailty"), day="event_date")
    )
    decline = _latest(decline_events, "day").rename(declining_function_evidence="_latest")

    # Palliative care, advance care planning and resuscitation codes.
    pal = match_snomed(gp_all.filter(gp_all.event_date <= as_date(index)), cl.codes("palliative_care", cl.SNOMED))
    palliative = pal.group_by("patient_id").aggregate(palliative_code_date=pal.event_date.max())
    plans = match_snomed(gp_all.filter(gp_all.event_date <= as_date(index)), cl.codes("acp_dnacpr_respect", cl.SNOMED))
    plan_dates = plans.group_by("patient_id").aggregate(
        acp_date=ibis.ifelse(plans.group == "advance_care_plan", plans.event_date, ibis.null("date")).max(),
        respect_or_resuscitation_date=ibis.ifelse(
            plans.group != "advance_care_plan", plans.event_date, ibis.null("date")
        ).max(),
    )

    reg_t = tables.get("register_snapshot")
    parts: list[ir.Table] = [
        _hfrs(dx2),
        _charlson(dx3),
        emergency,
        attendances,
        disease_wide,
        efi,
        frailty,
        care_home,
        weight_loss,
        decline,
        palliative,
        plan_dates,
    ]
    if cc_t is not None:
        cc = cc_t.filter(_within(cc_t.contact_date, w.recent, index))
        parts.append(cc.group_by("patient_id").aggregate(community_contacts_12m=cc.count()))
    if reg_t is not None:
        on = reg_t.filter(
            (reg_t.date_added <= as_date(index)) & (reg_t.date_removed.isnull() | (reg_t.date_removed > as_date(index)))
        )
        parts.append(on.select("patient_id", register_date_added="date_added").distinct())

    wide = base
    for part in parts:
        wide = wide.left_join(part, "patient_id").drop("patient_id_right")
    return _finish(wide, reg_t is not None, cc_t is not None)


def _finish(t: ir.Table, has_register: bool, has_community: bool) -> ir.Table:
    zero = {
        "hfrs": 0.0,
        "charlson": 0,
        "emergency_admissions_12m": 0,
        "emergency_admissions_6m": 0,
        "ed_attendances_12m": 0,
        "efi_deficits": 0,
        "frailty_severity": 0,
    }
    filled = {name: t[name].fill_null(value) for name, value in zero.items()}
    filled["hfrs"] = filled["hfrs"].round(1)
    flags = {f"dx_{g}": t[f"{g}_evidence"].notnull() for g in cl.DISEASE_GROUPS}
    community = t.community_contacts_12m.fill_null(0) if has_community else ibis.literal(0)
    on_register = t.register_date_added.notnull() if has_register else ibis.literal(False)
    out = t.mutate(
        **filled,
        **flags,
        unplanned_2_in_6m=filled["emergency_admissions_6m"] >= 2,
        efi_fraction=(filled["efi_deficits"] / cl.EFI_DEFICITS_TOTAL).round(3),
        care_home=t.care_home_evidence.notnull(),
        weight_loss=t.weight_loss_evidence.notnull(),
        declining_function=t.declining_function_evidence.notnull(),
        palliative_code=t.palliative_code_date.notnull(),
        acp_coded=t.acp_date.notnull(),
        respect_or_resuscitation_coded=t.respect_or_resuscitation_date.notnull(),
        community_contacts_12m=community.cast("int64"),
        on_register=on_register,
    )
    out = out.mutate(
        disease_groups=sum((out[f"dx_{g}"].cast("int32") for g in cl.DISEASE_GROUPS), ibis.literal(0)).cast("int32")
    )
    drop = ["register_date_added"] if has_register else []
    return out.drop(*drop) if drop else out
