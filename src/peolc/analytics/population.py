"""The population the web half shows beside its records: each practice's list size and each neighbourhood's need.

A pipeline step (``run(context)``) writing ``practice_list_sizes`` and ``area_need`` (declared in
``contract/outputs.py``), so that the web half reads figures rather than computing them from person-level files.

**Palliative need** (``docs/directory.md``) is the number of deaths in the 12 months up to the latest death whose
underlying cause is one of the conditions Etkind et al. (2017) found to indicate a need for palliative care, using
the indicators' own Etkind grouping (``cohorts.etkind_group``), so the classification exists once. **Deaths** counts
every death in those 12 months; **population** counts people in the extract who have not died. Each LSOA belongs to
the PCN (and so the locality) with which most of its living residents are currently registered, the lowest PCN code
winning a tie.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from peolc.analytics.indicators.cohorts import OTHER_CAUSES, etkind_group

if TYPE_CHECKING:
    from peolc.analytics.pipeline import PipelineContext

NEED_DAYS = 365


def practice_list_sizes(tables: dict[str, ir.Table], as_at: date) -> ir.Table:
    """People registered with each practice on ``as_at``: ``practice_code``, ``list_size``."""
    r = tables["practice_registrations"]
    on = ibis.date(as_at.isoformat())
    current = r.filter((r.start_date <= on) & (r.end_date.isnull() | (r.end_date > on)))
    return (
        current.group_by("practice_code")
        .aggregate(list_size=current.count().cast("int64"))
        .order_by("practice_code")
    )


def area_need(tables: dict[str, ir.Table], last_death: date | None) -> ir.Table:
    """One row per LSOA with a postcode: its centroid, PCN and locality, population, deaths and palliative need.

    ``last_death`` is the latest date of death in the extract; the 12 months of deaths counted end on it.
    """
    postcodes, patients, deaths = tables["postcodes"], tables["patients"], tables["deaths"]
    registrations, organisations = tables["practice_registrations"], tables["organisations"]
    centroids = postcodes.group_by("lsoa_code").aggregate(
        latitude=postcodes.latitude.mean(), longitude=postcodes.longitude.mean()
    )
    residence = patients.select("patient_id", "lsoa_code")
    dead = deaths.select("patient_id")

    if last_death is None:
        recent = deaths.filter(ibis.literal(False))
    else:
        since = ibis.date((last_death - timedelta(days=NEED_DAYS)).isoformat())
        recent = deaths.filter(deaths.date_of_death > since)
    recent = recent.left_join(residence, "patient_id")
    died = recent.group_by("lsoa_code").aggregate(
        deaths=recent.count().cast("int64"),
        palliative_need=(etkind_group(recent.underlying_cause) != OTHER_CAUSES).cast("int64").sum(),
    )

    living = residence.anti_join(dead, "patient_id")
    population = living.group_by("lsoa_code").aggregate(population=living.count().cast("int64"))

    current = registrations.filter(registrations.end_date.isnull()).anti_join(dead, "patient_id")
    parents = organisations.select(practice_code="code", pcn_code="parent_code")
    current = current.select("patient_id", "practice_code").left_join(parents, "practice_code")
    current = current.left_join(residence, "patient_id")
    votes = current.group_by("lsoa_code", "pcn_code").aggregate(votes=current.count())
    ranked = votes.mutate(
        rank=ibis.row_number().over(group_by=votes.lsoa_code, order_by=[votes.votes.desc(), votes.pcn_code.asc()])
    )
    chosen = ranked.filter(ranked["rank"] == 0).select("lsoa_code", "pcn_code")
    localities = organisations.select(pcn_code="code", locality_code="locality_code")
    chosen = chosen.left_join(localities, "pcn_code").select("lsoa_code", "pcn_code", "locality_code")

    areas = (
        centroids.left_join(chosen, "lsoa_code")
        .select("lsoa_code", "pcn_code", "locality_code", "latitude", "longitude")
        .left_join(population, "lsoa_code")
        .select("lsoa_code", "pcn_code", "locality_code", "latitude", "longitude", "population")
        .left_join(died, "lsoa_code")
    )
    return areas.select(
        "lsoa_code",
        "pcn_code",
        "locality_code",
        "latitude",
        "longitude",
        population=areas.population.fill_null(0),
        deaths=areas.deaths.fill_null(0),
        palliative_need=areas.palliative_need.fill_null(0),
    ).order_by("lsoa_code")


def run(context: PipelineContext) -> dict[str, Any]:
    """Pipeline step: write ``practice_list_sizes``, and ``area_need`` when the ICS supplies ``postcodes``."""
    missing = [n for n in ("practice_registrations", "patients", "deaths", "organisations") if n not in context.tables]
    if missing:
        raise FileNotFoundError(f"population needs the contract tables {', '.join(missing)}")
    summary = {"practices": context.write("practice_list_sizes", practice_list_sizes(context.tables, context.as_at))}
    if "postcodes" in context.tables:
        last_death = context.con.to_pyarrow(context.tables["deaths"].date_of_death.max()).as_py()
        summary["areas"] = context.write("area_need", area_need(context.tables, last_death))
    return summary
