"""Person-level cohorts the indicators count, built in Ibis so they run unchanged on DuckDB and Spark.

Three cohorts, each one row per person per period:

* ``decedents``: everyone whose death falls in the period and who was registered with an ICS practice on the day of
  death, with their place and cause of death and what happened in their last year of life.
* ``population``: everyone registered with an ICS practice and alive at the period's midpoint (the denominator of
  population rates, as Fingertips uses mid-year populations).
* ``register``: everyone on the palliative care register at the period's midpoint (point prevalence).

Every cohort carries the area columns (practice, PCN, locality, ICB) and the breakdown columns (age band, sex, ethnic
group, IMD quintile and, for decedents, cause-of-death group) as strings.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from peolc import reference

AREA_COLUMNS = {"icb": "icb_code", "locality": "locality_code", "pcn": "pcn_code", "practice": "practice_code"}
AREA_TYPES = tuple(AREA_COLUMNS)
BREAKDOWNS = ("all", "age_band", "sex", "ethnic_group", "imd_quintile", "cause_group")
AGE_BANDS = ("<65", "65-74", "75-84", "85+")
UNKNOWN = "Unknown"

# ONS 2001 broad groups of the NHS Data Dictionary's 16 ethnic categories (Chinese sat in "Other" in 2001).
ETHNIC_GROUPS = {
    "White": "ABC",
    "Mixed": "DEFG",
    "Asian or Asian British": "HJKL",
    "Black or Black British": "MNP",
    "Chinese or other ethnic group": "RS",
}
# Short labels for the nine Etkind groups, in the order of etkind_palliative_need_icd10.csv.
CAUSE_GROUPS = {
    "1": "Cancer",
    "2": "Heart disease",
    "3": "Chronic respiratory disease",
    "4": "Stroke",
    "5": "Renal disease",
    "6": "Liver disease",
    "7": "Dementia and frailty",
    "8": "Neurodegenerative disease",
    "9": "HIV",
}
OTHER_CAUSES = "Other causes"
# Injectable end-of-life medicines whose issue counts as anticipatory prescribing (with the register's own date).
ANTICIPATORY_CODELISTS = (
    "dmd_alfentanil_sc",
    "dmd_diamorphine_sc",
    "dmd_glycopyrronium_sc",
    "dmd_haloperidol_sc",
    "dmd_hyoscine_butylbromide_sc",
    "dmd_hyoscine_hydrobromide_sc",
    "dmd_levomepromazine_sc",
    "dmd_midazolam",
    "dmd_morphine_sc",
    "dmd_oxycodone_sc",
)
LAST_90_DAYS = 90
LAST_30_DAYS = 30
LAST_YEAR = 365
ANTICIPATORY_LOOKBACK = 90

_COMMON = ("patient_id", *AREA_COLUMNS.values(), "age", "age5", *BREAKDOWNS[1:5])
COHORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "decedents": (
        *_COMMON,
        "cause_group",
        "date_of_death",
        "place_of_death",
        "underlying_cause",
        "palliative_need",
        "emergency_admissions_90d",
        "emergency_bed_days_90d",
        "ae_attendances_30d",
        "hospice_contact_last_year",
        "on_register_before_death",
        "days_on_register",
        "acp_before_death",
        "cpr_decision_before_death",
        "preferred_place",
        "preferred_place_recorded",
        "died_in_preferred_place",
        "coordinator_before_death",
        "carer_recorded",
        "carer_assessment_before_death",
        "anticipatory_medicines_before_death",
    ),
    "population": (*AREA_COLUMNS.values(), "age5", "sex", "ethnic_group", "imd_quintile", "people"),
    "register": (*_COMMON, "diagnosis_group"),
}


def cohort_breakdowns(cohort: str) -> tuple[str, ...]:
    """The breakdowns a cohort can be split by."""
    return tuple(b for b in BREAKDOWNS if b == "all" or b in COHORT_COLUMNS[cohort])


def icb_code(organisations: ir.Table | None) -> str:
    """The ICB's code from ``organisations`` (the one organisation of type ``icb``); "ICB" when there is none."""
    if organisations is None:
        return "ICB"
    codes = organisations.filter(organisations.type == "icb").code.to_pyarrow().to_pylist()
    return sorted(codes)[0] if codes else "ICB"


def _age(birth_month: ir.DateValue, on: ir.DateValue) -> ir.IntegerValue:
    # Only the month of birth is known, so a birthday counts from the first of its month.
    return on.year() - birth_month.year() - ibis.ifelse(on.month() < birth_month.month(), 1, 0)


def _labels(people: ir.Table) -> dict[str, ir.Value]:
    """Sex, ethnic group and IMD quintile labels from the raw patient codes."""
    ethnic = ibis.cases(
        *((people.ethnicity.isin(list(codes)), label) for label, codes in ETHNIC_GROUPS.items()),
        else_=UNKNOWN,
    )
    return {
        "sex": ibis.cases((people.sex == "female", "Female"), (people.sex == "male", "Male"), else_=UNKNOWN),
        "ethnic_group": ethnic,
        "imd_quintile": ibis.ifelse(people.imd_decile.isnull(), UNKNOWN, ((people.imd_decile + 1) // 2).cast("string")),
    }


def _age_columns(age: ir.IntegerValue) -> dict[str, ir.Value]:
    return {
        "age": age,
        # ESP 2013 stratum: 0-4 is 0, …, 85-89 is 17, 90+ is 18.
        "age5": ibis.least(age // 5, 18).cast("int8"),
        "age_band": ibis.cases(
            (age < 65, AGE_BANDS[0]), (age < 75, AGE_BANDS[1]), (age < 85, AGE_BANDS[2]), else_=AGE_BANDS[3]
        ),
    }


def _person_columns(patients: ir.Table, on: ir.DateValue) -> dict[str, ir.Value]:
    return {**_age_columns(_age(patients.birth_month, on)), **_labels(patients)}


def etkind_group(code: ir.StringValue) -> ir.StringValue:
    """The Etkind group label of an ICD-10 underlying cause (prefix match on the published ranges), else "Other"."""
    branches = []
    for row in reference.rows("etkind_palliative_need_icd10.csv"):
        start, end = row["icd10_start"].replace(".", ""), row["icd10_end"].replace(".", "")
        label = CAUSE_GROUPS[row["group_id"]]
        if len(start) == 3:
            branches.append((code.substr(0, 3).between(start, end), label))
        else:
            branches.append((code.startswith(start), label))
    return ibis.cases(*branches, else_=OTHER_CAUSES)


def _anticipatory_codes() -> list[str]:
    return sorted({code for name in ANTICIPATORY_CODELISTS for code in reference.codelist(name)})


def practice_at(registrations: ir.Table, people: ir.Table, on: str) -> ir.Table:
    """Each person's practice, PCN and locality on the date in column ``on`` of ``people`` (one row per person).

    The registration covering that date wins; when two cover it (the day a person moves practice, where one ends and
    the next starts) the later-starting one wins. People registered with no ICS practice on the date are dropped.
    """
    r = registrations
    joined = people.join(
        r,
        [
            people.patient_id == r.patient_id,
            r.start_date <= people[on],
            r.end_date.isnull() | (r.end_date >= people[on]),
        ],
    )
    ranked = joined.mutate(
        _rank=ibis.row_number().over(
            ibis.window(
                group_by=joined.patient_id, order_by=[ibis.desc(joined.start_date), ibis.desc(joined.registration_id)]
            )
        )
    )
    return ranked.filter(ranked._rank == 0).select("patient_id", "practice_code", "pcn_code", "locality_code")


def _within(date_column: ir.DateValue, death: ir.DateValue, days: int) -> ir.BooleanValue:
    # "The last N days of life" are the N days ending on and including the day of death.
    return (date_column <= death) & (date_column > death - ibis.interval(days=days))


def decedents(tables: dict[str, ir.Table], icb: str) -> ir.Table:
    """One row per death of a person registered with an ICS practice on the day they died (no period yet)."""
    deaths = tables["deaths"]
    patients = tables["patients"]
    at_death = practice_at(
        tables["practice_registrations"], deaths.select("patient_id", "date_of_death"), "date_of_death"
    )
    base = deaths.join(at_death, "patient_id").join(patients, "patient_id")
    dod = base.date_of_death
    people = base.select(
        "patient_id",
        "practice_code",
        "pcn_code",
        "locality_code",
        "date_of_death",
        "place_of_death",
        "underlying_cause",
        icb_code=ibis.literal(icb),
        cause_group=etkind_group(base.underlying_cause),
        **_person_columns(base, dod),
    ).mutate(palliative_need=lambda t: t.cause_group != OTHER_CAUSES)
    keys = people.select("patient_id", "date_of_death")

    spells = tables["hospital_spells"]
    s = spells.join(keys, "patient_id")
    window_start = s.date_of_death - ibis.interval(days=LAST_90_DAYS - 1)
    end = ibis.least(s.discharge_date.fill_null(s.date_of_death), s.date_of_death)
    # Bed days inside the window only: a stay begun before day -89 counts from day -89; same-day stays count 0.
    emergency = s.filter(
        (s.admission_method == "emergency") & (end >= window_start) & (s.admission_date <= s.date_of_death)
    )
    emergency = emergency.mutate(
        _admitted_in_window=_within(emergency.admission_date, emergency.date_of_death, LAST_90_DAYS),
        _bed_days=ibis.least(
            emergency.discharge_date.fill_null(emergency.date_of_death), emergency.date_of_death
        ).delta(
            ibis.greatest(emergency.admission_date, emergency.date_of_death - ibis.interval(days=LAST_90_DAYS - 1)),
            unit="day",
        ),
    )
    admissions = emergency.group_by("patient_id").aggregate(
        emergency_admissions_90d=emergency._admitted_in_window.sum(),
        emergency_bed_days_90d=emergency._bed_days.sum(),
    )

    a = tables["emergency_attendances"].join(keys, "patient_id")
    attendances = (
        a.filter(_within(a.arrival_date, a.date_of_death, LAST_30_DAYS))
        .group_by("patient_id")
        .aggregate(ae_attendances_30d=ibis._.count())
    )
    h = tables["hospice_contacts"].join(keys, "patient_id")
    hospice = (
        h.filter(_within(h.contact_date, h.date_of_death, LAST_YEAR))
        .group_by("patient_id")
        .aggregate(hospice_contact_last_year=ibis._.count() > 0)
    )
    m = tables["medications"].join(keys, "patient_id")
    medicines = (
        m.filter(m.dmd_code.isin(_anticipatory_codes()) & _within(m.issue_date, m.date_of_death, ANTICIPATORY_LOOKBACK))
        .group_by("patient_id")
        .aggregate(anticipatory_issue=ibis._.count() > 0)
    )
    reg = tables["register_snapshot"]
    register = reg.join(keys, "patient_id")
    # "Before death" means recorded on a day before the day of death: an entry made on the day cannot guide care.
    before = register.date_of_death

    def recorded(flag: ir.BooleanValue | None, when: ir.DateValue) -> ir.BooleanValue:
        on_time = when.notnull() & (when < before)
        return on_time if flag is None else flag & on_time

    preference_known = (
        recorded(None, register.preferred_place_date)
        & register.preferred_place_of_death.notnull()
        & (register.preferred_place_of_death != "undecided")
    )
    register_features = register.select(
        "patient_id",
        on_register_before_death=register.date_added < before,
        days_on_register=ibis.ifelse(register.date_added < before, before.delta(register.date_added, unit="day"), None),
        acp_before_death=recorded(register.acp, register.acp_date),
        cpr_decision_before_death=recorded(register.cpr_decision, register.cpr_decision_date),
        preferred_place=ibis.ifelse(preference_known, register.preferred_place_of_death, None),
        preferred_place_recorded=preference_known,
        coordinator_before_death=recorded(register.coordinator, register.coordinator_date),
        carer_recorded=register.carer & (register.date_added < before),
        carer_assessment_before_death=recorded(register.carer, register.carer_assessment_date),
        anticipatory_register=recorded(None, register.anticipatory_medicines_date),
    )
    joined = (
        people.left_join(admissions, "patient_id")
        .left_join(attendances, "patient_id")
        .left_join(hospice, "patient_id")
        .left_join(medicines, "patient_id")
        .left_join(register_features, "patient_id")
    )
    false = ibis.literal(False)
    return joined.select(
        *list(people.columns),
        emergency_admissions_90d=joined.emergency_admissions_90d.fill_null(0).cast("int32"),
        emergency_bed_days_90d=joined.emergency_bed_days_90d.fill_null(0).cast("int32"),
        ae_attendances_30d=joined.ae_attendances_30d.fill_null(0).cast("int32"),
        hospice_contact_last_year=joined.hospice_contact_last_year.fill_null(False),
        on_register_before_death=joined.on_register_before_death.fill_null(False),
        days_on_register=joined.days_on_register,
        acp_before_death=joined.acp_before_death.fill_null(False),
        cpr_decision_before_death=joined.cpr_decision_before_death.fill_null(False),
        preferred_place=joined.preferred_place,
        preferred_place_recorded=joined.preferred_place_recorded.fill_null(False),
        died_in_preferred_place=(joined.preferred_place == joined.place_of_death).fill_null(False),
        coordinator_before_death=joined.coordinator_before_death.fill_null(False),
        carer_recorded=joined.carer_recorded.fill_null(False),
        carer_assessment_before_death=joined.carer_assessment_before_death.fill_null(False),
        anticipatory_medicines_before_death=(
            joined.anticipatory_register.fill_null(False) | joined.anticipatory_issue.fill_null(False)
        )
        & joined.on_register_before_death.fill_null(false),
    )


def population(tables: dict[str, ir.Table], icb: str, midpoints: ir.Table) -> ir.Table:
    """People registered and alive at each period's midpoint, already counted (``people``) by area and breakdowns.

    ``midpoints`` has period_type, period and midpoint. The population is large (everyone, every period), so it is
    counted at the finest grain the indicators need here rather than kept one row per person.
    """
    patients = tables["patients"].left_join(tables["deaths"].select("patient_id", "date_of_death"), "patient_id")
    r = tables["practice_registrations"]
    # On the day a person changes practice both registrations may cover the date; the one ending for that reason
    # yields, so nobody is counted twice (a ranking window here would cost more than the whole indicator run).
    end = ibis.ifelse(r.end_reason.fill_null("") == "changed_practice", r.end_date, r.end_date + ibis.interval(days=1))
    registered = r.join(
        midpoints, [r.start_date <= midpoints.midpoint, end.fill_null(ibis.date(9999, 12, 31)) > midpoints.midpoint]
    )
    joined = registered.join(patients, "patient_id")
    joined = joined.filter(joined.date_of_death.isnull() | (joined.date_of_death > joined.midpoint))
    age = _age(joined.birth_month, joined.midpoint)
    # Group on the raw codes (cheap to hash) and label the much smaller result afterwards.
    counted = joined.group_by(
        "period_type", "period", "practice_code", "sex", "ethnicity", "imd_decile", age5=_age_columns(age)["age5"]
    ).aggregate(people=ibis._.count())
    labels = _labels(counted)
    practices = _practice_areas(tables["organisations"])
    labelled = counted.join(practices, "practice_code")
    return labelled.select(
        "period_type",
        "period",
        "practice_code",
        "pcn_code",
        "locality_code",
        "age5",
        "people",
        icb_code=ibis.literal(icb),
        **{k: labels[k] for k in ("sex", "ethnic_group", "imd_quintile")},
    )


def _practice_areas(organisations: ir.Table) -> ir.Table:
    """Each practice's PCN and locality from ``organisations`` (a practice's parent is its PCN)."""
    return organisations.filter(organisations.type == "gp_practice").select(
        practice_code="code", pcn_code="parent_code", locality_code="locality_code"
    )


def register_at_midpoint(tables: dict[str, ir.Table], icb: str, midpoints: ir.Table) -> ir.Table:
    """People on the palliative care register at each period's midpoint, in the area of the practice holding it."""
    reg = tables["register_snapshot"]
    pcns = _practice_areas(tables["organisations"])
    joined = reg.join(
        midpoints,
        [reg.date_added <= midpoints.midpoint, reg.date_removed.isnull() | (reg.date_removed > midpoints.midpoint)],
    )
    people = joined.join(pcns, "practice_code").join(tables["patients"], "patient_id")
    return people.select(
        "period_type",
        "period",
        "patient_id",
        "practice_code",
        "pcn_code",
        "locality_code",
        "diagnosis_group",
        icb_code=ibis.literal(icb),
        **_person_columns(people, people.midpoint),
    )


def with_block(cohort: ir.Table, date_column: str) -> ir.Table:
    """The cohort with the quarter its ``date_column`` falls in as ``block`` (see :func:`.periods.block_membership`)."""
    day = cohort[date_column]
    return cohort.mutate(block=(day.year() * 4 + (day.month() - 1) // 3).cast("int64"))
