"""The output tables: every table ``peolc pipeline run`` writes, declared exactly as the inputs are.

Each is one ``<table>.parquet`` in the pipeline's output directory. The web half reads them only through
``read_output``, which checks a file against its declaration first, so a pipeline and a web release that disagree
fail with the file, column and problem named rather than with a wrong page. Vocabularies that the analytics also
define (risk bands, segments, indicator labels) are repeated here as plain tuples so the contract imports no
analytics code; ``tests/unit/analytics/test_outputs_contract.py`` ties each to its source.
"""

from __future__ import annotations

from peolc.analytics.contract.schema import Column, Table
from peolc.analytics.contract.vocabularies import SEXES

RISK_BANDS = ("low", "moderate", "high", "very_high")
SEGMENTS = ("generally_well", "long_term_conditions", "complex_needs", "last_year_of_life")
IDENTIFICATION_AGE_BANDS = ("0-17", "18-64", "65-74", "75-84", "85+")
LEVELS = ("practice", "pcn", "locality", "ics")
# Disease groups of the identification model, each with a ``dx_<group>`` flag and ``<group>_evidence`` text.
DISEASE_GROUPS = (
    "cancer",
    "metastatic_cancer",
    "heart_failure",
    "copd",
    "ckd_4_5",
    "liver",
    "neurological",
    "dementia",
)
PERIOD_TYPES = ("calendar_year", "financial_year", "quarter", "rolling_12_months")
AREA_TYPES = ("icb", "locality", "pcn", "practice")
BREAKDOWNS = ("all", "age_band", "sex", "ethnic_group", "imd_quintile", "cause_group")
INDICATOR_TYPES = ("proportion", "rate", "ratio", "dsr", "median")
STATISTICAL_METHODS = ("wilson", "byar", "dobson", "none")
POLARITIES = ("higher_is_better", "lower_is_better", "no_judgement")
BENCHMARK_TYPES = ("england", "icb", "icb_all_persons", "none")
COMPARISONS = ("better", "similar", "worse", "higher", "lower", "not compared")
TRENDS = ("not calculated", "not enough data", "increasing", "decreasing", "no significant change")
SUPPRESSION_REASONS = ("primary", "secondary")

_IDENTIFICATION = "identification step (`peolc.analytics.identification`)"
_INDICATORS = "indicators step (`peolc.analytics.indicators`)"


def _level_columns() -> tuple[Column, ...]:
    return (
        Column("level", "string", "Level of the organisation the row counts.", allowed=LEVELS),
        Column("org_code", "string", "Code of the practice, PCN or locality; `ICS` for the whole ICS."),
    )


def _area_key(*, with_name: bool = False) -> tuple[Column, ...]:
    columns = [
        Column("indicator_id", "string", "Indicator (the definition file's `id`)."),
        Column("period_type", "string", "Kind of period.", allowed=PERIOD_TYPES),
        Column("period", "string", "Period label, e.g. `2023`, `2023/24`, `2023 Q2`, `12 months to 2023-12`."),
        Column("area_type", "string", "Level of the area.", allowed=AREA_TYPES),
        Column("area_code", "string", "Organisation code of the area.", coding="ODS"),
    ]
    if with_name:
        columns.append(Column("area_name", "string", "Display name of the area."))
    return tuple(columns)


def _figure(name: str, description: str) -> Column:
    return Column(name, "float64", description, nullable=True)


_VALUE_COLUMNS = (
    *_area_key(with_name=True),
    Column("breakdown", "string", "Dimension the row is broken down by (`all` for everyone).", allowed=BREAKDOWNS),
    Column("breakdown_value", "string", "Value of the breakdown (`All` when `breakdown` is `all`)."),
    _figure("numerator", "Numerator (a count, or a sum for rates of bed days)."),
    _figure("denominator", "Denominator."),
    _figure("value", "The indicator's value in its unit; null where undefined (a zero denominator)."),
    _figure("lower_95", "Lower 95% confidence limit."),
    _figure("upper_95", "Upper 95% confidence limit."),
    _figure("lower_998", "Lower 99.8% confidence limit."),
    _figure("upper_998", "Upper 99.8% confidence limit."),
    Column("benchmark_type", "string", "What the value is compared with.", allowed=BENCHMARK_TYPES),
    _figure("benchmark_value", "The benchmark's value."),
    Column("benchmark_period", "string", "Period of the benchmark's value.", nullable=True),
    Column("comparison", "string", "Comparison with the benchmark at 95%.", nullable=True, allowed=COMPARISONS),
    Column("comparison_998", "string", "Comparison at 99.8%.", nullable=True, allowed=COMPARISONS),
    Column("trend", "string", "Trend over the last periods.", nullable=True, allowed=TRENDS),
    _figure("trend_p_value", "p-value of the trend test."),
    Column("suppressed", "bool", "True when small numbers withhold the row from aggregate-only users."),
    Column(
        "suppression_reason",
        "string",
        "Why the row is suppressed: a small count itself, or to stop one being worked out.",
        nullable=True,
        allowed=SUPPRESSION_REASONS,
    ),
)

_SCORE_FEATURES = (
    Column("hfrs", "float64", "Hospital Frailty Risk Score over the lookback."),
    Column("hfrs_codes", "string", "ICD-10 codes behind the HFRS with their weights.", nullable=True),
    Column("charlson", "int32", "Charlson comorbidity index."),
    Column("charlson_conditions", "string", "Conditions behind the Charlson index.", nullable=True),
    Column("emergency_admissions_12m", "int64", "Emergency admissions in the last 12 months."),
    Column("emergency_admissions_6m", "int64", "Emergency admissions in the last 6 months."),
    Column("emergency_admission_dates_6m", "string", "Dates of those admissions.", nullable=True),
    Column("ed_attendances_12m", "int64", "Emergency department attendances in the last 12 months."),
    *(
        Column(f"{group}_evidence", "string", f"Latest code and date showing {group.replace('_', ' ')}.",
               nullable=True)
        for group in DISEASE_GROUPS
    ),
    Column("efi_deficits", "int64", "Number of eFI-style deficits coded."),
    Column("efi_deficit_names", "string", "Names of those deficits.", nullable=True),
    Column("frailty_severity", "int32", "Coded frailty: 0 none, 1 mild, 2 moderate, 3 severe.", minimum=0, maximum=3),
    Column("frailty_evidence", "string", "The frailty code and its date.", nullable=True),
    Column("care_home_evidence", "string", "Care home residence and its start.", nullable=True),
    Column("weight_loss_evidence", "string", "Latest weight loss or cachexia code and date.", nullable=True),
    Column("declining_function_evidence", "string", "Latest code showing declining function.", nullable=True),
    Column("palliative_code_date", "date", "Date of the latest palliative care code.", nullable=True),
    Column("acp_date", "date", "Date of the latest advance care planning code.", nullable=True),
    Column("respect_or_resuscitation_date", "date", "Date of the latest ReSPECT or DNACPR code.", nullable=True),
    Column("community_contacts_12m", "int64", "Community contacts in the last 12 months."),
    *(Column(f"dx_{group}", "bool", f"Model flag: {group.replace('_', ' ')}.") for group in DISEASE_GROUPS),
    Column("unplanned_2_in_6m", "bool", "Two or more emergency admissions in 6 months."),
    Column("efi_fraction", "float64", "eFI-style deficits as a fraction of those counted.", minimum=0, maximum=1),
    Column("care_home", "bool", "Care home resident at the reference date."),
    Column("weight_loss", "bool", "Weight loss or cachexia coded."),
    Column("declining_function", "bool", "Declining function coded."),
)

_FLAGS = (
    Column("palliative_code", "bool", "A palliative care code is recorded."),
    Column("acp_coded", "bool", "An advance care planning code is recorded."),
    Column("respect_or_resuscitation_coded", "bool", "A ReSPECT or resuscitation decision is recorded."),
)

_PERSON = (
    Column("patient_id", "int64", "Pseudonymous person identifier (`patients.patient_id`)."),
    Column("practice_code", "string", "Practice the person is registered with at the reference date.", coding="ODS"),
    Column("pcn_code", "string", "That practice's PCN.", coding="ODS", nullable=True),
    Column("locality_code", "string", "That practice's locality.", coding="ODS", nullable=True),
)
_PROBABILITY = Column(
    "probability", "float64", "Modelled probability of death within 12 months (5 decimals).", minimum=0, maximum=1
)
_RISK_BAND = Column("risk_band", "string", "Band of the probability.", allowed=RISK_BANDS)
_SEGMENT = Column("segment", "string", "Population segment (`docs/identification.md`).", allowed=SEGMENTS)
_REASONS = Column("reasons", "list<string>", "Plain-language reasons naming the events behind the risk.")

OUTPUTS: tuple[Table, ...] = (
    Table(
        "identification_scores",
        "Every person registered at the reference date, scored: the model's features with their evidence, the "
        "probability, band, segment and ranks. Person-level; stays with the pipeline (the web half does not load it).",
        _IDENTIFICATION,
        (
            *_PERSON,
            Column("sex", "string", "Sex as recorded.", allowed=SEXES),
            Column("age", "int32", "Age in whole years at the reference date.", minimum=0),
            *_SCORE_FEATURES,
            *_FLAGS,
            Column("on_register", "bool", "On the palliative care register at the reference date."),
            Column("disease_groups", "int32", "Number of advanced disease groups present.", minimum=0),
            _PROBABILITY,
            _RISK_BAND,
            Column("age_band", "string", "Age band.", allowed=IDENTIFICATION_AGE_BANDS),
            Column("candidate", "bool", "Not on the register and at or above the candidate threshold."),
            Column(
                "reasons", "list<string>", "Reasons, for candidates and people on the register; null otherwise.",
                nullable=True,
            ),
            _SEGMENT,
            Column("rank_in_practice", "int64", "Rank by probability within the practice (1 = highest).", minimum=1),
            Column("rank_in_pcn", "int64", "Rank by probability within the PCN (1 = highest).", minimum=1),
        ),
        primary_key=("patient_id",),
    ),
    Table(
        "identification_candidates",
        "People not on the register whose probability reaches the candidate threshold: the practices' review "
        "lists. Pseudonymous; the web load joins NHS numbers from `identifiers`.",
        _IDENTIFICATION,
        (
            *_PERSON,
            Column("age", "int32", "Age in whole years at the reference date.", minimum=0),
            Column("sex", "string", "Sex as recorded.", allowed=SEXES),
            _PROBABILITY,
            _RISK_BAND,
            _SEGMENT,
            *_FLAGS,
            _REASONS,
            Column("candidate_rank_in_practice", "int64", "Rank among the practice's candidates.", minimum=1),
            Column("candidate_rank_in_pcn", "int64", "Rank among the PCN's candidates.", minimum=1),
        ),
        primary_key=("patient_id",),
    ),
    Table(
        "register_prevalence",
        "Per practice, PCN, locality and the ICS: list size, people on the register, candidates, expected and "
        "last year's deaths, and the register's size against each.",
        _IDENTIFICATION,
        (
            *_level_columns(),
            Column("list_size", "int64", "People registered and scored at the reference date.", minimum=0),
            Column("on_register", "int64", "Of them, on the palliative care register.", minimum=0),
            Column("candidates", "int64", "Of them, candidates.", minimum=0),
            Column("expected_deaths_12m", "float64", "Sum of the probabilities: deaths expected in 12 months."),
            Column("observed_deaths_prior_year", "int64", "Deaths in the year before the reference date.", minimum=0),
            Column("register_prevalence_pct", "float64", "On the register as a percentage of the list.",
                   nullable=True),
            Column("expected_deaths_pct", "float64", "Expected deaths as a percentage of the list.", nullable=True),
            Column("register_to_expected_ratio", "float64", "On the register per expected death.", nullable=True),
            Column("register_to_prior_deaths_ratio", "float64", "On the register per death last year.",
                   nullable=True),
        ),
    ),
    Table(
        "population_segments",
        "People by organisation, segment, risk band and age band, with those on the register and expected deaths.",
        _IDENTIFICATION,
        (
            *_level_columns(),
            _SEGMENT,
            _RISK_BAND,
            Column("age_band", "string", "Age band.", allowed=IDENTIFICATION_AGE_BANDS),
            Column("people", "int64", "People in the cell.", minimum=0),
            Column("on_register", "int64", "Of them, on the register.", minimum=0),
            Column("expected_deaths_12m", "float64", "Deaths expected in 12 months (2 decimals)."),
        ),
    ),
    Table(
        "identification_model",
        "The fitted logistic model: one row per term plus the intercept (also written as "
        "`identification_model.json`).",
        _IDENTIFICATION,
        (
            Column("term", "string", "Term name (`intercept` for the intercept)."),
            Column("feature", "string", "Feature the term is built from; null for the intercept.", nullable=True),
            Column("description", "string", "What the term measures."),
            Column("coefficient", "float64", "Coefficient on the log-odds scale."),
            Column("odds_ratio", "float64", "exp(coefficient); null for the intercept.", nullable=True),
            Column("mean", "float64", "Mean of the term in the training cohort.", nullable=True),
            Column("sd", "float64", "Standard deviation of the term in the training cohort.", nullable=True),
            Column("standardised_coefficient", "float64", "Coefficient × sd.", nullable=True),
        ),
        primary_key=("term",),
    ),
    Table(
        "identification_performance",
        "Hold-out performance of the model and of its single-measure baselines (also in "
        "`identification_performance.json`).",
        _IDENTIFICATION,
        (
            Column("model", "string", "`model`, or the baseline's name."),
            Column("description", "string", "What the model is."),
            Column("auroc", "float64", "Area under the ROC curve on the hold-out year.", minimum=0, maximum=1),
            Column("calibration_in_the_large", "float64", "Mean observed minus mean predicted."),
            Column("calibration_slope", "float64", "Slope of observed on predicted log-odds."),
            Column("observed_to_expected", "float64", "Observed deaths ÷ predicted deaths."),
            Column("train_index_date", "string", "Index date of the training cohort (ISO)."),
            Column("test_index_date", "string", "Index date of the hold-out cohort (ISO)."),
            Column("n_test", "int64", "People in the hold-out cohort.", minimum=0),
            Column("events_test", "int64", "Deaths in the hold-out year.", minimum=0),
        ),
        primary_key=("model",),
    ),
    Table(
        "identification_calibration",
        "Calibration table of each model on the hold-out year: observed against predicted by tenth of risk.",
        _IDENTIFICATION,
        (
            Column("model", "string", "`model`, or the baseline's name."),
            Column("bin", "int64", "Tenth of predicted risk (1 = lowest).", minimum=1),
            Column("n", "int64", "People in the bin.", minimum=0),
            Column("predicted", "float64", "Mean predicted probability.", minimum=0, maximum=1),
            Column("observed", "float64", "Proportion who died.", minimum=0, maximum=1),
            Column("events", "int64", "Deaths in the bin.", minimum=0),
        ),
    ),
    Table(
        "indicator_values",
        "Every indicator for every period, area and breakdown value: all figures, for roles that may see small "
        "numbers.",
        _INDICATORS,
        _VALUE_COLUMNS,
    ),
    Table(
        "indicator_values_suppressed",
        "The same rows with every figure that reveals a small count withheld (null), for aggregate-only users.",
        _INDICATORS,
        _VALUE_COLUMNS,
    ),
    Table(
        "indicator_inequalities",
        "Slope and relative index of inequality across IMD quintiles, per indicator, period and area.",
        _INDICATORS,
        (
            *_area_key(),
            Column("unit", "string", "Unit of the indicator (the SII is in it)."),
            Column("sii", "float64", "Slope index of inequality."),
            _figure("sii_lower_95", "Lower 95% limit of the SII."),
            _figure("sii_upper_95", "Upper 95% limit of the SII."),
            Column("rii", "float64", "Relative index of inequality.", nullable=True),
            _figure("rii_lower_95", "Lower 95% limit of the RII."),
            _figure("rii_upper_95", "Upper 95% limit of the RII."),
            Column("any_quintile_suppressed", "bool", "True when a quintile's count is small (show only to roles "
                   "that see small numbers)."),
        ),
    ),
    Table(
        "indicator_definitions",
        "The indicator definitions, one row each, as the web pages show them (`definition_json` keeps the file).",
        _INDICATORS,
        (
            Column("indicator_id", "string", "Indicator id."),
            Column("title", "string", "Title."),
            Column("description", "string", "What it measures."),
            Column("ambitions", "list<int64>", "Numbers of the national ambitions it serves."),
            Column("ambition_titles", "list<string>", "Their titles."),
            Column("type", "string", "Kind of measure.", allowed=INDICATOR_TYPES),
            Column("unit", "string", "Unit of the value."),
            Column("multiplier", "float64", "Multiplier applied to numerator ÷ denominator."),
            Column("numerator_description", "string", "The numerator in words."),
            Column("denominator_description", "string", "The denominator in words."),
            Column("numerator_cohort", "string", "Cohort the numerator counts."),
            Column("denominator_cohort", "string", "Cohort the denominator counts."),
            Column("period_types", "list<string>", "Period types computed."),
            Column("breakdowns", "list<string>", "Breakdowns computed."),
            Column("statistical_method", "string", "Confidence interval method.", allowed=STATISTICAL_METHODS),
            Column("polarity", "string", "Whether higher is better.", allowed=POLARITIES),
            Column("suppression_rule", "string", "The small-number rule in words."),
            Column("complement_group", "string", "Indicators whose counts add up to the same total.", nullable=True),
            Column("rationale", "string", "Why it matters."),
            Column("source", "string", "Data it is computed from."),
            Column("references", "list<string>", "Published sources."),
            Column("authored_by", "string", "Who wrote the definition."),
            Column("checked_by", "string", "Who checked it clinically and analytically, or that nobody has yet."),
            Column("last_reviewed", "date", "When it was last reviewed."),
            Column("review_date", "date", "When it is next due for review."),
            Column("definition_json", "string", "The whole definition file as JSON."),
        ),
        primary_key=("indicator_id",),
    ),
    Table(
        "indicator_periods",
        "Every period the indicators are computed for.",
        _INDICATORS,
        (
            Column("period_type", "string", "Kind of period.", allowed=PERIOD_TYPES),
            Column("period", "string", "Period label."),
            Column("period_start", "date", "First day."),
            Column("period_end", "date", "Last day."),
            Column("years", "float64", "Length in years (for rates).", minimum=0),
            Column("period_order", "int32", "Sort key: periods order by it within a type."),
        ),
        date_order=(("period_start", "period_end"),),
    ),
    Table(
        "practice_list_sizes",
        "People registered with each practice at the reference date: the list size the web half shows for it.",
        "population step (`peolc.analytics.population`)",
        (
            Column("practice_code", "string", "The practice.", coding="ODS"),
            Column("list_size", "int64", "People registered on the reference date.", minimum=0),
        ),
        primary_key=("practice_code",),
    ),
    Table(
        "area_need",
        "Each LSOA with a postcode, for the directory's gap map: where it is, whose it is, its people, deaths and "
        "palliative need (Etkind et al. 2017 causes of death in the 12 months up to the latest death). Written "
        "only when the ICS supplies `postcodes`.",
        "population step (`peolc.analytics.population`)",
        (
            Column("lsoa_code", "string", "The LSOA.", coding="LSOA"),
            Column("pcn_code", "string", "PCN most of its living residents are registered with (lowest code on a tie).",
                   coding="ODS", nullable=True),
            Column("locality_code", "string", "That PCN's locality.", coding="ODS", nullable=True),
            Column("latitude", "float64", "Mean latitude of its postcodes (WGS84).", minimum=49.0, maximum=61.0),
            Column("longitude", "float64", "Mean longitude of its postcodes (WGS84).", minimum=-9.0, maximum=2.0),
            Column("population", "int64", "Residents in the extract who have not died.", minimum=0),
            Column("deaths", "int64", "Deaths of residents in the 12 months up to the latest death.", minimum=0),
            Column("palliative_need", "int64", "Of those deaths, from a cause indicating palliative care need.",
                   minimum=0),
        ),
        primary_key=("lsoa_code",),
        required=False,
    ),
)

OUTPUTS_BY_NAME: dict[str, Table] = {t.name: t for t in OUTPUTS}


def output(name: str) -> Table:
    """The pipeline output called ``name``."""
    return OUTPUTS_BY_NAME[name]
