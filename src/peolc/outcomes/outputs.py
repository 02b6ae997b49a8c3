"""Load the indicators pipeline's outputs into the web database, replacing the previous load."""

from __future__ import annotations

from pathlib import Path

from django.db import connection, transaction

from peolc.analytics.contract import read_output
from peolc.core.audit import record_event
from peolc.outcomes import models as m

OUTPUTS = ("indicator_values", "indicator_inequalities", "indicator_definitions", "indicator_periods")
VALUE_FIELDS = ("period_type", "period", "area_type", "area_code", "area_name", "breakdown", "breakdown_value",
                "numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998",
                "benchmark_type", "benchmark_value", "comparison", "trend", "trend_p_value", "suppressed")
INEQUALITY_FIELDS = ("period_type", "period", "area_type", "area_code", "sii", "sii_lower_95", "sii_upper_95", "rii",
                     "rii_lower_95", "rii_upper_95", "any_quintile_suppressed")


def _finite(value):
    # NaN arrives for undefined figures (a zero denominator); the database and templates want NULL.
    return None if isinstance(value, float) and value != value else value


def _insert_values(values, order: dict) -> int:
    """Insert the values with one prepared statement: hundreds of thousands of rows, so the ORM's per-object work is
    skipped (the rows are plain numbers and codes, already validated by the pipeline)."""
    table = m.IndicatorValue._meta.db_table
    columns = ["indicator_id", "period_order", "suppression_reason", *VALUE_FIELDS]
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - fixed column names
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    count = 0
    with connection.cursor() as cursor:
        for batch in values.to_batches(max_chunksize=20_000):
            rows = [
                (r["indicator_id"], order[(r["period_type"], r["period"])], r["suppression_reason"] or "",
                 *(_finite(r[f]) for f in VALUE_FIELDS))
                for r in batch.to_pylist()
            ]
            cursor.executemany(sql, rows)
            count += len(rows)
    return count


def load_outputs(out_dir: Path, data_dir: Path, *, system_actor: str = "peolc load") -> dict[str, int] | None:
    """Load the indicator outputs from ``out_dir``; None when the pipeline has not written them."""
    out_dir = Path(out_dir)
    if not all((out_dir / f"{name}.parquet").exists() for name in OUTPUTS):
        return None
    periods = read_output(out_dir, "indicator_periods").to_pylist()
    order = {(p["period_type"], p["period"]): p["period_order"] for p in periods}
    with transaction.atomic():
        m.Indicator.objects.all().delete()
        m.Period.objects.all().delete()
        m.IndicatorLoad.objects.all().delete()
        m.IndicatorLoad.objects.create(as_at=max(p["period_end"] for p in periods))
        m.Indicator.objects.bulk_create([
            m.Indicator(
                id=d["indicator_id"], title=d["title"], description=d["description"], ambitions=list(d["ambitions"]),
                type=d["type"], unit=d["unit"], polarity=d["polarity"], statistical_method=d["statistical_method"],
                numerator_description=d["numerator_description"],
                denominator_description=d["denominator_description"], rationale=d["rationale"], source=d["source"],
                suppression_rule=d["suppression_rule"], review_date=d["review_date"],
                definition={"json": d["definition_json"], "references": list(d["references"] or []),
                            "breakdowns": list(d["breakdowns"]), "period_types": list(d["period_types"])},
            )
            for d in read_output(out_dir, "indicator_definitions").to_pylist()
        ])
        m.Period.objects.bulk_create([
            m.Period(period_type=p["period_type"], period=p["period"], start=p["period_start"], end=p["period_end"],
                     order=p["period_order"]) for p in periods
        ])
        count = _insert_values(read_output(out_dir, "indicator_values"), order)
        inequalities = [
            m.Inequality(indicator_id=r["indicator_id"], **{f: _finite(r[f]) for f in INEQUALITY_FIELDS})
            for r in read_output(out_dir, "indicator_inequalities").to_pylist()
        ]
        m.Inequality.objects.bulk_create(inequalities, batch_size=5000)
        counts = {"indicators": m.Indicator.objects.count(), "values": count, "inequalities": len(inequalities)}
        record_event(None, "outcomes.load", object_type="indicators", details=counts, system_actor=system_actor)
    return counts
