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

from dataclasses import dataclass, replace
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis import util
from ibis.backends import BaseBackend

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


SNOMED_LISTS = (
    "advanced_disease",
    "frailty_deficits",
    "frailty_assessment",
    "care_home",
    "palliative_care",
    "acp_dnacpr_respect",
    "weight_loss",
)
ICD10_LISTS = ("advanced_disease", "frailty_deficits", "weight_loss")


def _snomed_codes() -> pa.Table:
    """Every SNOMED CT code any feature matches, with its code list."""
    parts = [cl.codes(name, cl.SNOMED) for name in SNOMED_LISTS]
    names = [name for name, part in zip(SNOMED_LISTS, parts, strict=True) for _ in range(part.num_rows)]
    return pa.concat_tables(parts).append_column("list", pa.array(names, pa.string()))


def _icd10_prefixes() -> pa.Table:
    """Every ICD-10 prefix any feature matches: code lists, Charlson conditions and HFRS categories (with points)."""
    rows: list[tuple[str, str, str, float | None]] = [
        (name, row["code"], row["group"], None) for name in ICD10_LISTS for row in cl.codes(name, cl.ICD10).to_pylist()
    ]
    rows += [("charlson", c, g, None) for c, g in cl.charlson_prefixes()]
    rows += [("hfrs", c, c, p) for c, p in cl.hfrs_points().items()]
    names, codes, groups, points = zip(*rows, strict=True)
    return pa.table(
        {
            "list": pa.array(names, pa.string()),
            "prefix": pa.array(codes, pa.string()),
            "group": pa.array(groups, pa.string()),
            "points": pa.array(points, pa.float64()),
        }
    )


@dataclass(frozen=True)
class CodedEvents:
    """The only event rows the coded features read: GP events and hospital diagnoses matching any code list.

    ``gp`` holds every matching GP event on or before ``until`` (palliative and planning codes count over all
    history); ``dx`` the matching diagnoses admitted in ``(since, until]``. Both carry ``list`` (code list),
    ``group``, ``code``, ``day`` and ``stamp`` ("YYYY-MM-DD code", the evidence text). Building them once and
    materialising them (:func:`materialise`) lets every index date up to ``until`` reuse one scan of each event table.
    """

    gp: ir.Table
    dx: ir.Table
    since: date
    until: date

    held: tuple[str, ...] = ()
    con: BaseBackend | None = None

    def release(self) -> None:
        """Free what :func:`materialise` holds."""
        if self.con is None:
            return
        for name in self.held:
            if self.con.name == "duckdb":
                self.con.raw_sql(f'DROP TABLE IF EXISTS temp.main."{name}"')
            else:
                self.con.raw_sql(f"UNCACHE TABLE IF EXISTS `{name}`")
                self.con.raw_sql(f"DROP VIEW IF EXISTS `{name}`")


def coded_events(tables: dict[str, ir.Table], until: date, earliest_index: date | None = None) -> CodedEvents:
    """Coded events for every index date from ``earliest_index`` (default ``until``) to ``until``."""
    since = Windows(earliest_index or until).conditions
    gp_all = tables["gp_events"]
    snomed = cl.memtable(_snomed_codes())
    g = gp_all.filter(gp_all.event_date <= as_date(until))
    g = g.join(snomed, g.snomed_code == snomed.code)
    label = g.snomed_code + ibis.literal(" ") + g.term
    gp = g.select(
        "patient_id",
        "list",
        "group",
        day=g.event_date,
        code=label,
        snomed_code=g.snomed_code,
        stamp=_iso(g.event_date) + ibis.literal(" ") + label,
    )
    dx_all = diagnoses(tables["hospital_spells"], since, until)
    prefixes = cl.memtable(_icd10_prefixes())
    ref = prefixes.mutate(prefix3=prefixes.prefix.substr(0, 3), prefix_length=prefixes.prefix.length())
    # One equi-join on the category, then keep 3-character entries and the 4-character ones whose subdivision matches.
    d = dx_all.join(ref, dx_all.code3 == ref.prefix3)
    d = d.filter((d.prefix_length == 3) | (d.code4 == d.prefix))
    dx = d.select(
        "patient_id",
        "list",
        "group",
        "points",
        "code3",
        "code",
        day=d.admission_date,
        stamp=_iso(d.admission_date) + ibis.literal(" ") + d.code,
    )
    return CodedEvents(gp=gp, dx=dx, since=since, until=until)


def materialise(con: BaseBackend, events: CodedEvents) -> CodedEvents:
    """The coded events computed once and held by the backend: DuckDB temporary tables, or cached Spark views.

    Not ``Table.cache()``: it picks the default backend for in-memory inputs, on Spark it does not register them,
    and on DuckDB Ibis 12 cannot drop what it cached (``DROP TABLE IF EXISTS`` without a name).
    """
    held = (util.gen_name("peolc_coded_gp"), util.gen_name("peolc_coded_dx"))
    tables = []
    for name, table in zip(held, (events.gp, events.dx), strict=True):
        if con.name == "duckdb":
            tables.append(con.create_table(name, table, temp=True))
        else:
            view = con.create_view(name, table)
            con.raw_sql(f"CACHE TABLE `{name}`")
            tables.append(view)
    return replace(events, gp=tables[0], dx=tables[1], held=held, con=con)


def _charlson(hits: ir.Table) -> ir.Table:
    """The Charlson index and its conditions from one row per person and condition."""
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


def _latest_stamp(t: ir.Table, condition: ir.BooleanValue) -> ir.StringValue:
    # The maximum of "date code" strings gives the latest date and a code recorded that day in one pass.
    return ibis.ifelse(condition, t.stamp, ibis.null("string")).max()


def build_features(tables: dict[str, ir.Table], index: date, events: CodedEvents | None = None) -> ir.Table:
    """One row per person in the cohort on ``index`` with every identification feature and its evidence.

    ``events`` (from :func:`coded_events`) must cover ``index``; without it they are built for this date alone.
    """
    w = Windows(index)
    if events is None:
        events = coded_events(tables, index)
    if not events.since <= w.conditions or index > events.until:
        raise ValueError(f"coded events for ({events.since}, {events.until}] do not cover the index date {index}")
    base = cohort(tables, index)
    spells = tables["hospital_spells"]
    gp_all = events.gp.filter(events.gp.day <= as_date(index))
    dx = events.dx.filter(_within(events.dx.day, w.conditions, index))

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

    # One pass over the coded GP events and diagnoses for every "latest evidence" and "latest date" feature.
    # Advanced disease groups use the condition look-back; evidence names the SNOMED CT term where there is one
    # (ICD-10 codes speak for themselves to clinicians). Weight loss and declining function use the last year.
    keep = ("patient_id", "list", "group", "day", "code", "stamp")
    coded = union_all(gp_all.select(*keep, source=ibis.literal("gp")), dx.select(*keep, source=ibis.literal("dx")))
    in_conditions = coded.day > as_date(w.conditions)
    recent = coded.day > as_date(w.recent)
    is_gp = coded.source == "gp"
    disease = in_conditions & (coded.list == "advanced_disease")
    falls = (
        ~is_gp
        & recent
        & (coded.list == "frailty_deficits")
        & coded.group.isin(("falls", "mobility_and_transfer_problems"))
    )
    worse = is_gp & recent & (coded.list == "frailty_assessment") & coded.group.isin(("moderate", "severe"))
    decline_stamp = ibis.cases(
        (falls, coded.stamp),
        (worse, _iso(coded.day) + ibis.literal(" ") + coded.group + ibis.literal(" frailty")),
        else_=ibis.null("string"),
    )
    plans = is_gp & (coded.list == "acp_dnacpr_respect")
    latest = coded.group_by("patient_id").aggregate(
        **{f"{g}_evidence": _latest_stamp(coded, disease & (coded.group == g)) for g in cl.DISEASE_GROUPS},
        weight_loss_evidence=_latest_stamp(coded, recent & (coded.list == "weight_loss")),
        declining_function_evidence=decline_stamp.max(),
        palliative_code_date=ibis.ifelse(is_gp & (coded.list == "palliative_care"), coded.day, ibis.null("date")).max(),
        acp_date=ibis.ifelse(plans & (coded.group == "advance_care_plan"), coded.day, ibis.null("date")).max(),
        respect_or_resuscitation_date=ibis.ifelse(
            plans & (coded.group != "advance_care_plan"), coded.day, ibis.null("date")
        ).max(),
    )

    # HFRS: each 3-character category once over its 24-month look-back.
    h = dx.filter((dx.list == "hfrs") & (dx.day > as_date(w.hfrs))).select("patient_id", "code3", "points").distinct()
    hfrs = h.group_by("patient_id").aggregate(
        hfrs=h.points.sum(), hfrs_codes=_joined(h.code3 + ibis.literal(" ") + h.points.cast("string"))
    )

    # eFI-style deficits: each deficit once, from GP codes or hospital diagnoses.
    gp = gp_all.filter(gp_all.day > as_date(w.conditions))
    deficits = union_all(
        gp.filter(gp.list == "frailty_deficits").select("patient_id", "group"),
        dx.filter(dx.list == "frailty_deficits").select("patient_id", "group"),
    ).distinct()
    efi = deficits.group_by("patient_id").aggregate(
        efi_deficits=deficits.count(), efi_deficit_names=_joined(deficits.group.replace("_", " "))
    )

    # Frailty assessment: the most recent coded severity wins, even when it is milder than an earlier one.
    frail = gp.filter(gp.list == "frailty_assessment")
    frail_ranked = frail.mutate(
        _n=ibis.row_number().over(
            ibis.window(group_by=frail.patient_id, order_by=[frail.day.desc(), frail.snomed_code])
        )
    )
    severity = ibis.cases(*((frail_ranked.group == k, v) for k, v in cl.FRAILTY_SEVERITY.items()), else_=0)
    frailty = frail_ranked.filter(frail_ranked._n == 0).select(
        "patient_id",
        frailty_severity=severity.cast("int32"),
        frailty_evidence=frail_ranked.group + ibis.literal(" frailty coded ") + _iso(frail_ranked.day),
    )

    # Care home: a residency spanning the index date, or a GP care-home code in the last year.
    res_t = tables.get("care_home_residency")
    home_gp = gp.filter((gp.list == "care_home") & (gp.day > as_date(w.recent)))
    home_events = home_gp.select("patient_id", "day", source=ibis.literal("care home code recorded"))
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

    reg_t = tables.get("register_snapshot")
    parts: list[ir.Table] = [
        hfrs,
        _charlson(dx.filter(dx.list == "charlson").select("patient_id", "group").distinct()),
        emergency,
        attendances,
        latest,
        efi,
        frailty,
        care_home,
    ]
    if cc_t is not None:
        cc = cc_t.filter(_within(cc_t.contact_date, w.recent, index))
        parts.append(cc.group_by("patient_id").aggregate(community_contacts_12m=cc.count()))
    if reg_t is not None:
        on = reg_t.filter(
            (reg_t.date_added <= as_date(index)) & (reg_t.date_removed.isnull() | (reg_t.date_removed > as_date(index)))
        )
        parts.append(on.select("patient_id", register_date_added="date_added").distinct())

    return _finish(_stack(base, parts), reg_t is not None, cc_t is not None)


def _stack(base: ir.Table, parts: list[ir.Table]) -> ir.Table:
    """The cohort with every part's columns: the parts stacked (each filling only its own columns) and collapsed to
    one row per person in a single aggregation, then one join. A chain of left joins would carry every wide row
    through a dozen hash joins, which cost more than computing the features."""
    types = {name: dtype.copy(nullable=True) for part in parts for name, dtype in part.schema().items()}
    columns = [c for c in _COLUMN_ORDER if c in types]
    stacked = union_all(
        *(
            part.select(
                "patient_id",
                **{c: part[c].cast(types[c]) if c in part.columns else ibis.null(types[c]) for c in columns},
            )
            for part in parts
        )
    )
    # Each column comes from one part, with one row per person there, so the maximum is that row's value.
    wide = stacked.group_by("patient_id").aggregate(**{c: stacked[c].max() for c in columns})
    return base.left_join(wide, "patient_id").drop("patient_id_right")


# Feature columns in the order ``identification_scores`` has always had them.
_COLUMN_ORDER = (
    "hfrs",
    "hfrs_codes",
    "charlson",
    "charlson_conditions",
    "emergency_admissions_12m",
    "emergency_admissions_6m",
    "emergency_admission_dates_6m",
    "ed_attendances_12m",
    *(f"{g}_evidence" for g in cl.DISEASE_GROUPS),
    "efi_deficits",
    "efi_deficit_names",
    "frailty_severity",
    "frailty_evidence",
    "care_home_evidence",
    "weight_loss_evidence",
    "declining_function_evidence",
    "palliative_code_date",
    "acp_date",
    "respect_or_resuscitation_date",
    "community_contacts_12m",
    "register_date_added",
)


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
