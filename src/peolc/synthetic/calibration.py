"""Calibration report: the generated distributions beside their England targets.

Computed from the written Parquet files with DuckDB, so it can also be run on any contract directory.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

# England 2022, OHID Palliative and end of life care profile, December 2023 (see reference/SOURCES.md).
PLACE_TARGETS = {"hospital": 43.4, "home": 28.7, "care_home": 20.5, "hospice": 4.7, "other": 2.6}
PLACE_SOURCE = "OHID end of life care profile, England 2022"


@dataclass
class Measure:
    """One generated figure and, where there is one, its target and whether it is met."""

    section: str
    measure: str
    value: float
    target: str = ""
    source: str = ""
    ok: bool | None = None


def _within(value: float, low: float, high: float) -> bool:
    return low <= value <= high


def _row(con: duckdb.DuckDBPyConnection, query: str, parameters: object = None) -> tuple[Any, ...]:
    """The one row a query returns; every query here is an aggregate, so there always is one."""
    row = con.execute(query, parameters).fetchone()
    assert row is not None, query
    return row


def calibration(data_dir: str | Path) -> list[Measure]:
    """Compute the calibration measures for a contract directory written by the generator."""
    data_dir = Path(data_dir)
    meta_path = data_dir / "metadata.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    con = duckdb.connect()
    for name in ("patients", "deaths", "practice_registrations", "hospital_spells", "register_snapshot"):
        con.read_parquet(str(data_dir / f"{name}.parquet")).create_view(name)
    start = meta.get("extract_start") or _row(con, "SELECT min(date_of_death) FROM deaths")[0]
    end = meta.get("extract_end") or _row(con, "SELECT max(date_of_death) FROM deaths")[0]
    start, end = date.fromisoformat(str(start)), date.fromisoformat(str(end))
    params = {"start": start, "end": end}
    measures: list[Measure] = []

    # Place of death.
    total = _row(con, "SELECT count(*) FROM deaths")[0] or 1
    for place, target in PLACE_TARGETS.items():
        n = _row(con, "SELECT count(*) FROM deaths WHERE place_of_death = ?", [place])[0]
        pct = 100 * n / total
        measures.append(
            Measure(
                "Place of death", f"{place} (%)", round(pct, 2), f"{target} ± 1", PLACE_SOURCE, abs(pct - target) <= 1.0
            )
        )

    # Crude death rate: deaths over person-years registered.
    person_years = (
        _row(
            con,
            """SELECT sum(datediff('day', greatest(start_date, $start::DATE),
                              least(coalesce(end_date, $end::DATE), $end::DATE)) + 1) / 365.25
           FROM practice_registrations
           WHERE start_date <= $end::DATE AND coalesce(end_date, $end::DATE) >= $start::DATE""",
            params,
        )[0]
        or 1
    )
    deaths = _row(con, "SELECT count(*) FROM deaths WHERE date_of_death BETWEEN $start::DATE AND $end::DATE", params)[0]
    rate = 100 * deaths / person_years
    measures.append(
        Measure(
            "Mortality",
            "crude death rate (% per year)",
            round(rate, 3),
            "0.8–1.2",
            "England about 1% a year",
            _within(rate, 0.8, 1.2),
        )
    )
    measures.append(Measure("Mortality", "deaths", deaths))
    measures.append(Measure("Mortality", "person-years", round(person_years)))
    for row in con.execute(
        """SELECT CASE WHEN datediff('year', birth_month, date_of_death) < 65 THEN 'under 65'
                       WHEN datediff('year', birth_month, date_of_death) < 85 THEN '65-84' ELSE '85+' END AS band,
                  100.0 * count(*) / sum(count(*)) OVER ()
           FROM deaths JOIN patients USING (patient_id) GROUP BY band ORDER BY band"""
    ).fetchall():
        measures.append(
            Measure(
                "Mortality",
                f"deaths aged {row[0]} (%)",
                round(row[1], 1),
                "England 2023: <65 15%, 65-84 45%, 85+ 40%",
                "Fingertips 93474 denominators",
            )
        )

    # Emergency admission in the last year of life.
    ea = _row(
        con,
        """WITH flags AS (
             SELECT d.patient_id, p.imd_decile,
                    coalesce(bool_or(s.admission_method = 'emergency'
                                     AND s.admission_date > d.date_of_death - INTERVAL 365 DAY
                                     AND s.admission_date <= d.date_of_death), FALSE) AS admitted
             FROM deaths d JOIN patients p USING (patient_id)
             LEFT JOIN hospital_spells s USING (patient_id)
             GROUP BY d.patient_id, p.imd_decile)
           SELECT 100 * avg(admitted::INT),
                  100 * avg(admitted::INT) FILTER (WHERE imd_decile <= 2),
                  100 * avg(admitted::INT) FILTER (WHERE imd_decile >= 9)
           FROM flags""",
    )
    measures.append(
        Measure(
            "Hospital use",
            "decedents with an emergency admission in the last year (%)",
            round(ea[0], 1),
            "69 ± 3",
            "England-like",
            abs(ea[0] - 69) <= 3,
        )
    )
    measures.append(
        Measure(
            "Hospital use",
            "… most deprived quintile (%)",
            round(ea[1] or 0, 1),
            "higher than least deprived",
            "",
            (ea[1] or 0) > (ea[2] or 0),
        )
    )
    measures.append(Measure("Hospital use", "… least deprived quintile (%)", round(ea[2] or 0, 1)))

    # Gradients in place of death.
    for label, low, high in (("most deprived quintile", 1, 2), ("least deprived quintile", 9, 10)):
        pct = _row(
            con,
            """SELECT 100 * avg((place_of_death = 'hospital')::INT) FROM deaths JOIN patients USING (patient_id)
               WHERE imd_decile BETWEEN ? AND ?""",
            [low, high],
        )[0]
        measures.append(Measure("Place of death gradients", f"hospital deaths, {label} (%)", round(pct or 0, 1)))
    cancer = _row(
        con,
        """SELECT 100 * avg((place_of_death = 'home')::INT) FILTER (WHERE underlying_cause LIKE 'C%'),
                  100 * avg((place_of_death = 'home')::INT) FILTER (WHERE underlying_cause NOT LIKE 'C%'),
                  100 * avg((place_of_death = 'hospital')::INT)
                      FILTER (WHERE regexp_matches(underlying_cause, '^(I50|I11|J4|N18|K7)')),
                  100 * avg((underlying_cause LIKE 'C%')::INT)
           FROM deaths""",
    )
    measures.append(
        Measure(
            "Place of death gradients",
            "home deaths, cancer (%)",
            round(cancer[0] or 0, 1),
            "above non-cancer",
            "",
            (cancer[0] or 0) > (cancer[1] or 0),
        )
    )
    measures.append(Measure("Place of death gradients", "home deaths, non-cancer (%)", round(cancer[1] or 0, 1)))
    measures.append(
        Measure(
            "Place of death gradients",
            "hospital deaths, organ failure (%)",
            round(cancer[2] or 0, 1),
            "above 43.4",
            "",
            (cancer[2] or 0) > 43.4,
        )
    )
    measures.append(
        Measure(
            "Causes",
            "deaths from cancer (%)",
            round(cancer[3] or 0, 1),
            "about 25–30",
            "ONS (England, recent years)",
            _within(cancer[3] or 0, 22, 32),
        )
    )

    # Register.
    years = range(start.year, end.year + 1)
    prevalences = []
    for year in years:
        day = date(year, 7, 1)
        if not start <= day <= end:
            continue
        row = _row(
            con,
            """SELECT (SELECT count(*) FROM register_snapshot
                       WHERE date_added <= $d::DATE AND coalesce(date_removed, DATE '9999-12-31') > $d::DATE),
                      (SELECT count(DISTINCT patient_id) FROM practice_registrations
                       WHERE start_date <= $d::DATE AND coalesce(end_date, DATE '9999-12-31') >= $d::DATE)""",
            {"d": day},
        )
        prevalences.append(100 * row[0] / max(row[1], 1))
        measures.append(
            Measure(
                "Palliative care register",
                f"on the register, 1 July {year} (% of list)",
                round(prevalences[-1], 3),
                "0.5–0.9",
                "QOF-like",
                _within(prevalences[-1], 0.5, 0.9),
            )
        )
    register = _row(
        con,
        """WITH r AS (SELECT r.*, d.date_of_death, d.place_of_death
                      FROM register_snapshot r LEFT JOIN deaths d USING (patient_id))
           SELECT 100 * avg((diagnosis_group = 'cancer')::INT),
                  100.0 * count(*) FILTER (WHERE date_of_death IS NOT NULL) / (SELECT count(*) FROM deaths),
                  median(datediff('day', date_added, date_of_death)) FILTER (WHERE date_of_death IS NOT NULL),
                  100 * avg((preferred_place_of_death = place_of_death)::INT)
                      FILTER (WHERE date_of_death IS NOT NULL AND preferred_place_of_death IS NOT NULL),
                  100 * avg(acp::INT), 100 * avg(coordinator::INT), 100 * avg(carer::INT),
                  100 * avg(cpr_decision::INT),
                  100 * avg((preferred_place_of_death IS NOT NULL)::INT)
           FROM r""",
    )
    cancer_on_register = _row(
        con,
        """SELECT 100.0 * count(r.patient_id) / count(*) FROM deaths d
           LEFT JOIN register_snapshot r ON r.patient_id = d.patient_id AND r.date_added <= d.date_of_death
           WHERE d.underlying_cause LIKE 'C%'""",
    )[0]
    measures += [
        Measure(
            "Palliative care register",
            "register entries with cancer (%)",
            round(register[0] or 0, 1),
            "above the cancer share of deaths",
            "",
            (register[0] or 0) > (cancer[3] or 0),
        ),
        Measure(
            "Palliative care register",
            "decedents on the register before death (%)",
            round(register[1] or 0, 1),
            "about 30–50",
            "EPaCCS/QOF studies",
            _within(register[1] or 0, 25, 55),
        ),
        Measure("Palliative care register", "cancer decedents on the register (%)", round(cancer_on_register or 0, 1)),
        Measure(
            "Palliative care register",
            "median days on the register before death",
            register[2] or 0,
            "registered late: under 120",
            "",
            (register[2] or 0) < 120,
        ),
        Measure(
            "Palliative care register",
            "preferred place achieved (% of decedents with one)",
            round(register[3] or 0, 1),
            "about 70–85",
            "EPaCCS evaluations",
            _within(register[3] or 0, 65, 90),
        ),
        Measure("Palliative care register", "with an advance care plan (%)", round(register[4] or 0, 1)),
        Measure("Palliative care register", "with a preferred place recorded (%)", round(register[8] or 0, 1)),
        Measure("Palliative care register", "with a coordinator (%)", round(register[5] or 0, 1)),
        Measure("Palliative care register", "with a carer (%)", round(register[6] or 0, 1)),
        Measure("Palliative care register", "with a ReSPECT / CPR decision (%)", round(register[7] or 0, 1)),
    ]

    # Population.
    pop = _row(
        con,
        """SELECT count(*),
                  100 * avg((datediff('year', birth_month, $start::DATE) >= 65)::INT),
                  100 * avg((datediff('year', birth_month, $start::DATE) >= 85)::INT),
                  100 * avg((sex = 'female')::INT),
                  100 * avg((ethnicity NOT IN ('A', 'Z'))::INT),
                  100 * avg((imd_decile <= 2)::INT)
           FROM patients""",
        {"start": start},
    )
    measures += [
        Measure("Population", "people ever registered", pop[0]),
        Measure(
            "Population",
            "aged 65+ at start (%)",
            round(pop[1], 1),
            "about 18–20",
            "ESP2013 19.5; England 2021 18.4",
            _within(pop[1], 16, 22),
        ),
        Measure(
            "Population",
            "aged 85+ at start (%)",
            round(pop[2], 1),
            "about 2.5",
            "ESP2013 2.5",
            _within(pop[2], 1.8, 3.5),
        ),
        Measure("Population", "female (%)", round(pop[3], 1)),
        Measure("Population", "ethnic groups other than White British (%)", round(pop[4], 1)),
        Measure("Population", "living in the 20% most deprived LSOAs of England (%)", round(pop[5], 1)),
    ]
    con.close()
    return measures


def report_markdown(measures: list[Measure], data_dir: str | Path) -> str:
    """The measures as a Markdown table per section."""
    lines = [f"# Calibration report for `{data_dir}`", ""]
    section = None
    for m in measures:
        if m.section != section:
            section = m.section
            lines += [
                "",
                f"## {section}",
                "",
                "| Measure | Generated | Target | Met | Source |",
                "|---|---|---|---|---|",
            ]
        met = "" if m.ok is None else ("yes" if m.ok else "**no**")
        lines.append(f"| {m.measure} | {m.value:g} | {m.target} | {met} | {m.source} |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def write_report(data_dir: str | Path) -> tuple[list[Measure], str]:
    """Compute the report and save ``calibration.json`` and ``calibration.md`` beside the data."""
    data_dir = Path(data_dir)
    measures = calibration(data_dir)
    markdown = report_markdown(measures, data_dir)
    (data_dir / "calibration.json").write_text(json.dumps([asdict(m) for m in measures], indent=2) + "\n")
    (data_dir / "calibration.md").write_text(markdown)
    return measures, markdown
