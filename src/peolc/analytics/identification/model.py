"""The 12-month mortality model: L2-regularised logistic regression fitted by Newton's method (IRLS) in NumPy.

Each model term is a named, documented transform of one feature, so the same definition scores people in Ibis
(any backend) and in NumPy, and every coefficient can be read as an odds ratio per unit of the term. Fitting works
on standardised terms so one penalty suits all of them; the stored coefficients are on the original scale.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

MODEL_FORMAT = "peolc-identification-logistic/1"
DEFAULT_L2 = 1.0


@dataclass(frozen=True)
class Term:
    """A model term: ``kind`` applied to ``feature`` with ``param`` (scale, hinge point or cap)."""

    name: str
    feature: str
    kind: str
    description: str
    param: float = 1.0


TERMS: tuple[Term, ...] = (
    Term("age_per_10y", "age", "scale", "Age in decades", 10.0),
    Term("age_over_80_per_10y", "age", "hinge", "Decades of age beyond 80 (steeper risk in the very old)", 80.0),
    Term("male", "sex", "male", "Male sex"),
    Term("hfrs", "hfrs", "cap", "Hospital Frailty Risk Score (capped at 30)", 30.0),
    Term("charlson", "charlson", "cap", "Charlson index, Quan 2011 weights (capped at 12)", 12.0),
    Term("efi_deficits", "efi_deficits", "scale", "eFI-style deficit count", 1.0),
    Term("frailty_severity", "frailty_severity", "scale", "Coded frailty: 0 none, 1 mild, 2 moderate, 3 severe"),
    Term("log_emergency_admissions_12m", "emergency_admissions_12m", "log1p", "log(1 + emergency admissions, 12 m)"),
    Term("log_ed_attendances_12m", "ed_attendances_12m", "log1p", "log(1 + ED attendances, 12 months)"),
    Term("unplanned_2_in_6m", "unplanned_2_in_6m", "flag", "Two or more emergency admissions in 6 months"),
    Term("care_home", "care_home", "flag", "Care home resident"),
    Term("weight_loss", "weight_loss", "flag", "Weight loss or cachexia coded in 12 months"),
    Term("declining_function", "declining_function", "flag", "Falls, mobility problems or worsening frailty"),
    Term("cancer", "dx_cancer", "flag", "Cancer"),
    Term("metastatic_cancer", "dx_metastatic_cancer", "flag", "Metastatic cancer"),
    Term("heart_failure", "dx_heart_failure", "flag", "Heart failure"),
    Term("copd", "dx_copd", "flag", "COPD or chronic respiratory failure"),
    Term("ckd_4_5", "dx_ckd_4_5", "flag", "CKD stage 4-5 or dialysis"),
    Term("liver", "dx_liver", "flag", "Liver disease"),
    Term("neurological", "dx_neurological", "flag", "Neurodegenerative disease"),
    Term("dementia", "dx_dementia", "flag", "Dementia"),
    Term("log_community_contacts_12m", "community_contacts_12m", "log1p", "log(1 + community contacts, 12 m)"),
    Term("palliative_code", "palliative_code", "flag", "Palliative care code in the GP record"),
    Term("on_register", "on_register", "flag", "On the palliative care register"),
)
FEATURE_COLUMNS = tuple(sorted({t.feature for t in TERMS}))


def term_numpy(term: Term, column: np.ndarray) -> np.ndarray:
    """The term's values from a NumPy column of its feature."""
    if term.kind == "male":
        return (column == "male").astype(float)
    x = column.astype(float)
    if term.kind == "scale":
        return x / term.param
    if term.kind == "hinge":
        return np.maximum(x - term.param, 0.0) / 10.0
    if term.kind == "cap":
        return np.minimum(x, term.param)
    if term.kind == "log1p":
        return np.log1p(x)
    if term.kind == "flag":
        return x
    raise ValueError(f"unknown term kind {term.kind!r}")


def term_ibis(term: Term, column: ir.Value) -> ir.FloatingValue:
    """The same term as an Ibis expression, so scoring runs on the backend."""
    if term.kind == "male":
        return ibis.ifelse(column == "male", 1.0, 0.0)
    if term.kind == "flag":
        return ibis.ifelse(column, 1.0, 0.0)
    x = column.cast("float64")
    if term.kind == "scale":
        return x / term.param
    if term.kind == "hinge":
        return ibis.greatest(x - term.param, 0.0) / 10.0
    if term.kind == "cap":
        return ibis.least(x, term.param)
    if term.kind == "log1p":
        return (x + 1.0).ln()
    raise ValueError(f"unknown term kind {term.kind!r}")


def design(features: pa.Table, terms: tuple[Term, ...] = TERMS) -> np.ndarray:
    """The matrix of term values (people x terms) from collected features."""
    columns = {}
    for term in terms:
        if term.feature not in columns:
            raw = features.column(term.feature)
            columns[term.feature] = np.asarray(raw.to_numpy(zero_copy_only=False))
    return np.column_stack([term_numpy(t, columns[t.feature]) for t in terms]) if terms else np.empty((0, 0))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))


def _collapse(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of ``x`` with how many people share each and how many of them had the outcome.

    Coarse terms (age in years, flags, small counts) leave a few distinct rows per hundred people, and the
    likelihood of identical rows is their count times one row's, so fitting on distinct rows is exact and cheaper.
    """
    rows = np.ascontiguousarray(x).view(np.dtype((np.void, x.dtype.itemsize * x.shape[1]))).ravel()
    _, first, inverse, counts = np.unique(rows, return_index=True, return_inverse=True, return_counts=True)
    return x[first], counts.astype(float), np.bincount(inverse.ravel(), weights=y, minlength=counts.size)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = DEFAULT_L2, iterations: int = 50) -> np.ndarray:
    """Intercept and coefficients maximising the log-likelihood minus ``l2/2 * |beta|^2`` (intercept unpenalised).

    Newton-Raphson (IRLS) converges in a handful of steps for tens of terms and millions of rows.
    """
    distinct, n, events = _collapse(x, y)
    k = x.shape[1]
    # Terms by rows, contiguous, so each Newton step is two small matrix products.
    design_t = np.vstack([np.ones(distinct.shape[0]), distinct.T])
    beta = np.zeros(k + 1)
    beta[0] = math.log(max(y.mean(), 1e-6) / max(1 - y.mean(), 1e-6))
    penalty = np.full(k + 1, l2)
    penalty[0] = 0.0
    # A whisker of ridge keeps the Hessian invertible when a term never varies (e.g. nobody in a care home).
    ridge = np.full(k + 1, 1e-9)

    def objective(b: np.ndarray) -> float:
        z = b @ design_t
        return float((events * z - n * np.logaddexp(0.0, z)).sum() - 0.5 * (penalty * b * b).sum())

    current = objective(beta)
    for _ in range(iterations):
        p = _sigmoid(beta @ design_t)
        gradient = design_t @ (events - n * p) - penalty * beta
        hessian = (design_t * (n * p * (1 - p))) @ design_t.T + np.diag(penalty + ridge)
        step = np.linalg.solve(hessian, gradient)
        # Plain Newton overshoots when events are rare and terms nearly separate them, so halve until it improves.
        scale = 1.0
        while scale > 1e-4:
            candidate = objective(beta + scale * step)
            if candidate >= current - 1e-12:
                break
            scale /= 2
        beta = beta + scale * step
        current = objective(beta)
        if np.max(np.abs(scale * step)) < 1e-8:
            break
    return beta


@dataclass
class Model:
    """A fitted model: terms, intercept and coefficients on the original term scale, and how it was fitted."""

    terms: tuple[Term, ...]
    intercept: float
    coefficients: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    def linear_predictor(self, x: np.ndarray) -> np.ndarray:
        """Log-odds for a design matrix."""
        return self.intercept + x @ self.coefficients

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probability of death within 12 months for a design matrix."""
        return _sigmoid(self.linear_predictor(x))

    def predict_ibis(self, table: ir.Table) -> ir.FloatingValue:
        """The probability as an Ibis expression over a features table."""
        lp: ir.FloatingValue = ibis.literal(self.intercept)
        for term, coef in zip(self.terms, self.coefficients, strict=True):
            lp = lp + term_ibis(term, table[term.feature]) * float(coef)
        return 1.0 / (1.0 + (-lp).exp())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (the MODEL.json format)."""
        return {
            "format": MODEL_FORMAT,
            "outcome": "death from any cause within 12 months after the index date",
            "form": "logistic regression, L2 penalty on standardised terms, intercept unpenalised",
            "intercept": self.intercept,
            "terms": [
                {
                    "name": t.name,
                    "feature": t.feature,
                    "kind": t.kind,
                    "param": t.param,
                    "description": t.description,
                    "coefficient": float(c),
                    "odds_ratio": float(math.exp(c)),
                    "mean": float(m),
                    "sd": float(s),
                    "standardised_coefficient": float(c * s),
                }
                for t, c, m, s in zip(self.terms, self.coefficients, self.means, self.sds, strict=True)
            ],
            **self.info,
        }

    def save(self, path: Path) -> None:
        """Write the model as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        """Read a model written by :meth:`to_dict`."""
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a peolc identification model (format {data.get('format')!r})")
        terms = tuple(Term(t["name"], t["feature"], t["kind"], t["description"], t["param"]) for t in data["terms"])
        info = {k: v for k, v in data.items() if k not in ("format", "outcome", "form", "intercept", "terms")}
        return cls(
            terms=terms,
            intercept=float(data["intercept"]),
            coefficients=np.array([t["coefficient"] for t in data["terms"]]),
            means=np.array([t["mean"] for t in data["terms"]]),
            sds=np.array([t["sd"] for t in data["terms"]]),
            info=info,
        )

    @classmethod
    def load(cls, path: Path) -> Model:
        """Read a MODEL.json file."""
        return cls.from_dict(json.loads(Path(path).read_text()))


def fit(features: pa.Table, outcome: np.ndarray, terms: tuple[Term, ...] = TERMS, l2: float = DEFAULT_L2) -> Model:
    """Fit the model on collected features and a 0/1 outcome per row."""
    x = design(features, terms)
    means = x.mean(axis=0)
    sds = x.std(axis=0)
    sds = np.where(sds > 0, sds, 1.0)
    beta = fit_logistic((x - means) / sds, outcome.astype(float), l2)
    coefficients = beta[1:] / sds
    intercept = float(beta[0] - (coefficients * means).sum())
    info = {"l2": l2, "n": int(outcome.size), "events": int(outcome.sum())}
    return Model(terms, intercept, coefficients, means, sds, info)


# ---------------------------------------------------------------------------------------------------------------
# Performance.


def auroc(score: np.ndarray, outcome: np.ndarray) -> float:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted as half)."""
    outcome = outcome.astype(bool)
    positives, negatives = int(outcome.sum()), int((~outcome).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(score.size, dtype=float)
    sorted_scores = score[order]
    # Average ranks over ties so a coarse score (age in years, HFRS) is not flattered or penalised by order.
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [score.size]])
    average = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(average, ends - starts)
    return float((ranks[outcome].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def calibration(probability: np.ndarray, outcome: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Calibration-in-the-large (intercept with the log-odds as offset), slope, O/E and a table by risk decile."""
    p = np.clip(probability, 1e-9, 1 - 1e-9)
    logit = np.log(p / (1 - p))
    y = outcome.astype(float)
    # Intercept-only model with offset: one-dimensional Newton.
    alpha = 0.0
    for _ in range(50):
        q = _sigmoid(logit + alpha)
        step = (y - q).sum() / max((q * (1 - q)).sum(), 1e-12)
        alpha += step
        if abs(step) < 1e-10:
            break
    slope_fit = fit_logistic(logit[:, None], y, l2=0.0)
    order = np.argsort(p, kind="mergesort")
    table = []
    for number, chunk in enumerate(np.array_split(order, bins), start=1):
        if chunk.size:
            table.append(
                {
                    "bin": number,
                    "n": int(chunk.size),
                    "predicted": float(p[chunk].mean()),
                    "observed": float(y[chunk].mean()),
                    "events": int(y[chunk].sum()),
                }
            )
    return {
        "calibration_in_the_large": float(alpha),
        "calibration_slope": float(slope_fit[1]),
        "observed_to_expected": float(y.sum() / p.sum()),
        "table": table,
    }
