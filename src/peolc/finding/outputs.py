"""Load the identification pipeline's outputs into the web database, replacing the previous run.

Candidates carry NHS numbers, which the pipeline never sees: they are joined here from the contract's separate
``identifiers`` table, so that only this web step re-identifies people, for users with a care relationship.
Review decisions already made about a person are carried over to the new run.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
from django.db import transaction

from peolc.analytics.contract import read_output
from peolc.core.audit import record_event
from peolc.core.models import Organisation
from peolc.finding import models as m

OUTPUTS = ("identification_candidates", "register_prevalence", "population_segments", "identification_model",
           "identification_performance", "identification_calibration")


def load_outputs(out_dir: Path, data_dir: Path, *, system_actor: str = "peolc load") -> dict[str, int] | None:
    """Load the latest identification outputs from ``out_dir``; None when the pipeline has not written them."""
    out_dir, data_dir = Path(out_dir), Path(data_dir)
    if not all((out_dir / f"{name}.parquet").exists() for name in OUTPUTS):
        return None
    performance = json.loads((out_dir / "identification_performance.json").read_text())
    candidates = read_output(out_dir, "identification_candidates").to_pylist()
    wanted = {c["patient_id"] for c in candidates}
    identifiers = pq.read_table(data_dir / "identifiers.parquet")
    numbers = {r["patient_id"]: r["nhs_number"] for r in identifiers.to_pylist() if r["patient_id"] in wanted}
    practices = {o.code: o for o in Organisation.objects.filter(type="gp_practice")}
    with transaction.atomic():
        previous = {
            c.patient_id: c for c in m.Candidate.objects.exclude(status=m.CandidateStatus.TO_REVIEW)
        }
        m.IdentificationRun.objects.all().delete()
        run = m.IdentificationRun.objects.create(
            as_at=date.fromisoformat(performance["index_date"]), performance=performance,
            model_terms=read_output(out_dir, "identification_model").to_pylist(),
            calibration=read_output(out_dir, "identification_calibration").to_pylist(),
            summary=read_output(out_dir, "identification_performance").to_pylist(),
        )
        rows = []
        for c in candidates:
            practice = practices.get(c["practice_code"])
            if practice is None or c["patient_id"] not in numbers:
                continue
            prior = previous.get(c["patient_id"])
            rows.append(m.Candidate(
                run=run, patient_id=c["patient_id"], nhs_number=numbers[c["patient_id"]], practice=practice,
                pcn_code=c["pcn_code"] or "", age=c["age"], sex=c["sex"], probability=c["probability"],
                risk_band=c["risk_band"], segment=c["segment"], rank_in_practice=c["candidate_rank_in_practice"],
                reasons=list(c["reasons"] or []),
                **({"status": prior.status, "reviewed_by": prior.reviewed_by, "reviewed_at": prior.reviewed_at,
                    "review_note": prior.review_note} if prior else {}),
            ))
        m.Candidate.objects.bulk_create(rows, batch_size=500)
        m.PrevalenceRow.objects.bulk_create([
            m.PrevalenceRow(run=run, **{k: r[k] for k in ("level", "org_code", "list_size", "on_register",
                                                          "candidates", "expected_deaths_12m",
                                                          "observed_deaths_prior_year")})
            for r in read_output(out_dir, "register_prevalence").to_pylist()
        ], batch_size=500)
        m.SegmentCount.objects.bulk_create([
            m.SegmentCount(run=run, **{k: r[k] for k in ("level", "org_code", "segment", "risk_band", "age_band",
                                                         "people", "on_register", "expected_deaths_12m")})
            for r in read_output(out_dir, "population_segments").to_pylist()
        ], batch_size=1000)
        counts = {"candidates": len(rows), "prevalence_rows": run.prevalence.count(), "segments": run.segments.count()}
        record_event(None, "finding.load", object_type="identification_run", object_id=run.pk, details=counts,
                     system_actor=system_actor)
    return counts
