"""Statistics for the outcomes framework: intervals, standardised rates, funnel limits, trends and inequality indices.

Pure Python and numpy (no scipy, pandas or Django), so the same functions serve the pipelines, the outcomes pages and
the tests. The methods follow the Office for Health Improvement and Disparities (OHID, formerly PHE) technical guidance
behind Fingertips and the ``PHEindicatormethods`` R package, so that peolc's figures can be set beside national ones.

Conventions shared by every function:

* Inputs are anything ``numpy.asarray`` accepts and are broadcast together; counts may be non-integer (weighted
  estimates).
* Outputs are always ``numpy.ndarray`` of float (or of str for labels), with the broadcast shape of the inputs. A
  scalar input therefore gives a **0-d array**; use ``float(x)`` (or ``x.item()``) to unwrap it.
* ``confidence`` is a two-sided level strictly between 0 and 1 (0.95, 0.998); ``z`` is the standard normal quantile
  at ``0.5 + confidence / 2`` (1.959964 and 3.090232 for those two levels).
* Undefined results (a zero denominator, say) are NaN rather than errors; impossible inputs (negative counts, a
  numerator above its denominator) raise ``ValueError``.

See ``docs/statistical-methods.md`` for the formulae and the published examples the tests reproduce.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from functools import cache
from importlib import resources
from statistics import NormalDist
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = [
    "CONFIDENCE_95",
    "CONFIDENCE_998",
    "IndexOfInequality",
    "Polarity",
    "benchmark_significance",
    "byar_interval",
    "chi_square_linear_trend",
    "compare_to_benchmark",
    "comparison_labels",
    "dsr",
    "european_standard_population_2013",
    "funnel_limits_proportion",
    "funnel_limits_ratio",
    "relative_index_of_inequality",
    "ridit_scores",
    "slope_index_of_inequality",
    "weighted_linear_trend",
    "wilson_interval",
    "z_value",
]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

CONFIDENCE_95 = 0.95
CONFIDENCE_998 = 0.998
"""The two funnel-plot control limits OHID uses ("2 sigma" and "3 sigma", two-sided)."""

Polarity = Literal["higher_is_better", "lower_is_better", "no_judgement"]

_MAX_ITERATIONS = 10_000
_LGAMMA = np.frompyfunc(math.lgamma, 1, 1)
_ERFC = np.frompyfunc(math.erfc, 1, 1)


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for ``confidence`` (0.95 → 1.959964, 0.998 → 3.090232)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, not {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _lgamma(value: FloatArray) -> FloatArray:
    return np.asarray(_LGAMMA(value), dtype=np.float64)


def _floats(value: ArrayLike) -> FloatArray:
    return np.asarray(value, dtype=np.float64)


def _check_non_negative(name: str, value: FloatArray) -> None:
    if np.any(value < 0):
        raise ValueError(f"{name} must not be negative")


# --------------------------------------------------------------------------------------------------------------------
# Proportions and counts


def wilson_interval(
    count: ArrayLike, denominator: ArrayLike, confidence: float = CONFIDENCE_95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a proportion ``count / denominator``, as proportions in [0, 1].

    Method: Wilson EB (1927) "Probable inference, the law of succession, and statistical inference", J Am Stat Assoc
    22:209-212; recommended by Newcombe RG (1998) "Two-sided confidence intervals for the single proportion: comparison
    of seven methods", Stat Med 17:857-872 (method 3), and by OHID's Fingertips technical guidance for proportions::

        (2x + z² ± z √(z² + 4x(1 − x/n))) / (2(n + z²))

    The limits are exactly 0 when ``count`` is 0 and exactly 1 when ``count`` equals ``denominator``; a zero
    denominator gives NaN. Returns ``(lower, upper)``.
    """
    x = _floats(count)
    n = _floats(denominator)
    _check_non_negative("count", x)
    _check_non_negative("denominator", n)
    if np.any(x > n):
        raise ValueError("count must not exceed denominator")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        centre = 2 * x + z * z
        scale = 2 * (n + z * z)
        lower = np.where(x == 0, 0.0, (centre - spread) / scale)
        upper = np.where(x == n, 1.0, (centre + spread) / scale)
    undefined = n == 0
    return (
        np.asarray(np.where(undefined, np.nan, np.clip(lower, 0, 1))),
        np.asarray(np.where(undefined, np.nan, np.clip(upper, 0, 1))),
    )


def byar_interval(
    count: ArrayLike, confidence: float = CONFIDENCE_95, *, exact: bool = False
) -> tuple[FloatArray, FloatArray]:
    """Confidence limits for a Poisson count (divide both by the population for a crude rate's limits).

    Default: Byar's approximation to the exact Poisson limits, as given by Breslow NE & Day NE (1987) "Statistical
    methods in cancer research, volume II", IARC, and used throughout OHID's Fingertips guidance::

        lower = O (1 − 1/(9O) − z/(3√O))³        upper = (O+1) (1 − 1/(9(O+1)) + z/(3√(O+1)))³

    The lower limit is 0 when the count is 0, and is floored at 0 where the approximation would go negative (a count
    of about 1 at 99.8%). OHID recommends the exact method below 10 events; Byar is within 0.2% of it from 10 upwards
    at 95%.

    ``exact=True`` gives the exact limits through the Poisson–gamma (χ²) relationship (Armitage P, Berry G, Matthews
    JNS (2002) "Statistical methods in medical research", 4th edn): ``lower = G⁻¹(α/2; O)`` and
    ``upper = G⁻¹(1 − α/2; O + 1)``, G the unit-scale gamma distribution function (= χ²(2O)/2), computed here without
    scipy by Newton iteration on the regularised incomplete gamma function. Non-integer counts are accepted either way.
    Returns ``(lower, upper)``.
    """
    observed = _floats(count)
    _check_non_negative("count", observed)
    z = z_value(confidence)
    if exact:
        alpha = 1 - confidence
        positive = observed > 0
        lower = np.where(positive, _gamma_quantile(np.where(positive, observed, 1.0), alpha / 2), 0.0)
        return np.asarray(lower), np.asarray(_gamma_quantile(observed + 1, 1 - alpha / 2))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lower = observed * (1 - 1 / (9 * observed) - z / (3 * np.sqrt(observed))) ** 3
    lower = np.where(observed > 0, np.maximum(lower, 0.0), 0.0)
    shifted = observed + 1
    upper = shifted * (1 - 1 / (9 * shifted) + z / (3 * np.sqrt(shifted))) ** 3
    return np.asarray(lower), np.asarray(upper)


def _regularised_lower_gamma(shape: FloatArray, x: FloatArray) -> FloatArray:
    """P(a, x), the unit-scale gamma distribution function, by the series (x < a+1) or continued fraction otherwise.

    Both expansions are the classical ones (Abramowitz & Stegun 6.5.29 and 6.5.31); each is used where it converges
    quickly, and iteration stops once every element has converged.
    """
    a, x = np.broadcast_arrays(_floats(shape), _floats(x))
    result = np.zeros(a.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_prefactor = -x + a * np.log(x) - _lgamma(a)
    use_series = (x < a + 1) & (x > 0)
    if np.any(use_series):
        sa, sx = a[use_series], x[use_series]
        term = 1 / sa
        total = term.copy()
        denominator = sa.copy()
        for _ in range(_MAX_ITERATIONS):
            denominator += 1
            term = term * sx / denominator
            total += term
            if np.all(np.abs(term) < np.abs(total) * 1e-16):
                break
        result[use_series] = total * np.exp(log_prefactor[use_series])
    use_fraction = x >= a + 1
    if np.any(use_fraction):
        fa, fx = a[use_fraction], x[use_fraction]
        tiny = 1e-300
        b = fx + 1 - fa
        c = np.full(fa.shape, 1 / tiny)
        d = 1 / b
        h = d.copy()
        for i in range(1, _MAX_ITERATIONS):
            an = -i * (i - fa)
            b = b + 2
            d = an * d + b
            d = np.where(np.abs(d) < tiny, tiny, d)
            c = b + an / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            d = 1 / d
            delta = d * c
            h = h * delta
            if np.all(np.abs(delta - 1) < 1e-16):
                break
        result[use_fraction] = 1 - np.exp(log_prefactor[use_fraction]) * h
    return result


def _gamma_quantile(shape: FloatArray, probability: float) -> FloatArray:
    """x with P(shape, x) = probability, by Newton's method on log x (so iterates stay positive)."""
    a = _floats(shape)
    z = NormalDist().inv_cdf(probability)
    # Wilson–Hilferty gives a start within a few per cent except for tiny shapes, where the floor takes over.
    lgamma_a = _lgamma(a)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        wilson_hilferty = np.log(a * (1 - 1 / (9 * a) + z / (3 * np.sqrt(a))) ** 3)
        # Below shape 1 the lower tail is P(a, x) ≈ xᵃ/Γ(a + 1), which Wilson–Hilferty misses badly.
        small_shape = (math.log(probability) + _lgamma(a + 1)) / a
    log_x = np.where((a < 1) | ~np.isfinite(wilson_hilferty), small_shape, wilson_hilferty)
    converged = np.zeros(a.shape, dtype=bool)
    for _ in range(100):
        active = ~converged
        x = np.exp(log_x[active])
        gap = _regularised_lower_gamma(a[active], x) - probability
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = gap / np.exp(a[active] * log_x[active] - x - lgamma_a[active])
        # Damped steps keep the iteration from overshooting in the flat tails; a quantile that underflows to 0 is done.
        step = np.where(x == 0, 0.0, np.clip(step, -2.0, 2.0))
        log_x[active] = log_x[active] - step
        converged[active] = np.abs(step) < 1e-13
        if np.all(converged):
            break
    return np.asarray(np.exp(log_x))


# --------------------------------------------------------------------------------------------------------------------
# Directly standardised rates


@cache
def _esp2013() -> tuple[float, ...]:
    text = resources.files("peolc.reference").joinpath("esp2013.csv").read_text(encoding="utf-8")
    return tuple(float(row["esp2013_weight"]) for row in csv.DictReader(text.splitlines()))


def european_standard_population_2013() -> FloatArray:
    """The 2013 European Standard Population in 19 five-year bands (0-4, …, 85-89, 90+), summing to 100,000.

    Source: Eurostat (2013) "Revision of the European Standard Population", read lazily from
    ``peolc/reference/esp2013.csv``. A fresh array each call, so callers may modify it.
    """
    return np.array(_esp2013(), dtype=np.float64)


def dsr(
    counts: ArrayLike,
    populations: ArrayLike,
    standard_populations: ArrayLike | None = None,
    confidence: float = CONFIDENCE_95,
    multiplier: float = 100_000,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Directly standardised rate with Dobson confidence limits; returns ``(rate, lower, upper)`` per ``multiplier``.

    Shapes: the **last axis is the standardisation strata** (age bands); any leading axes are areas (or area × period,
    …). So a 1-D input of 19 age bands gives 0-d results, and a 2-D ``(areas, 19)`` input gives one rate per row.
    ``standard_populations`` broadcasts against the strata axis and defaults to the European Standard Population 2013
    (19 bands, see :func:`european_standard_population_2013`).

    Method: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991) "Confidence intervals for weighted sums of Poisson
    parameters", Stat Med 10:457-462, with Byar's limits for the total count, as in OHID's Fingertips guidance and
    ``PHEindicatormethods::calculate_dsr``::

        DSR = Σ wᵢ Oᵢ/nᵢ / Σ wᵢ       var(DSR) = Σ wᵢ² Oᵢ/nᵢ² / (Σ wᵢ)²       O = Σ Oᵢ
        DSR_lower/upper = DSR + √(var(DSR)/O) · (O_lower/upper − O)

    With no events the rate is 0 and the limits are NaN (Dobson's method is undefined; OHID does not publish a DSR
    from fewer than 10 events). A stratum with a zero population makes that area's results NaN.
    """
    observed = _floats(counts)
    population = _floats(populations)
    _check_non_negative("counts", observed)
    _check_non_negative("populations", population)
    if standard_populations is None:
        weights = european_standard_population_2013()
        if observed.shape[-1:] != weights.shape:
            raise ValueError(
                f"the default standard population has {weights.size} age bands but the last axis of counts has "
                f"{observed.shape[-1:] or 'no'} entries; pass standard_populations to use other strata"
            )
    else:
        weights = _floats(standard_populations)
        _check_non_negative("standard_populations", weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        total_weight = np.sum(np.broadcast_to(weights, np.broadcast_shapes(weights.shape, observed.shape)), axis=-1)
        rate = np.sum(weights * observed / population, axis=-1) / total_weight
        variance = np.sum(weights**2 * observed / population**2, axis=-1) / total_weight**2
        total = np.sum(observed * np.ones_like(population), axis=-1)
        total_lower, total_upper = byar_interval(total, confidence)
        ratio = np.sqrt(variance / total)
        lower = rate + ratio * (total_lower - total)
        upper = rate + ratio * (total_upper - total)
    undefined = np.any(population == 0, axis=-1)
    rate = np.where(undefined, np.nan, rate)
    lower = np.where(undefined | (total == 0), np.nan, lower)
    upper = np.where(undefined | (total == 0), np.nan, upper)
    return np.asarray(rate * multiplier), np.asarray(lower * multiplier), np.asarray(upper * multiplier)


# --------------------------------------------------------------------------------------------------------------------
# Funnel plots


def funnel_limits_proportion(
    denominators: ArrayLike, target_proportion: ArrayLike, confidence: float = CONFIDENCE_95
) -> tuple[FloatArray, FloatArray]:
    """Funnel-plot control limits for a proportion at each denominator, as proportions clipped to [0, 1].

    Method: the limits are the observed proportions whose Wilson score interval just touches the target π — the
    score-test inversion used by OHID's "Technical Guide: Funnel plots" and ``PHEindicatormethods::phe_funnels``
    (its ``sigma_adjustment``). Solving that condition gives the closed form::

        π ± z √(π(1 − π)/n)

    which is Spiegelhalter DJ (2005) "Funnel plots for comparing institutional performance", Stat Med 24:1185-1202,
    normal approximation with the null (target) variance. Use ``confidence=0.95`` and ``0.998`` for the usual
    "2σ" and "3σ" limits. A zero denominator gives NaN. Returns ``(lower, upper)``.
    """
    n = _floats(denominators)
    target = _floats(target_proportion)
    _check_non_negative("denominators", n)
    if np.any((target < 0) | (target > 1)):
        raise ValueError("target_proportion must lie in [0, 1]")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        half_width = z * np.sqrt(target * (1 - target) / n)
    undefined = n == 0
    lower = np.where(undefined, np.nan, np.clip(target - half_width, 0, 1))
    upper = np.where(undefined, np.nan, np.clip(target + half_width, 0, 1))
    return np.asarray(lower), np.asarray(upper)


def funnel_limits_ratio(
    expected: ArrayLike,
    confidence: float = CONFIDENCE_95,
    *,
    target: float = 1.0,
    exact: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """Funnel-plot control limits for an observed/expected ratio (indirectly standardised ratio) at each expected count.

    Returned as ratios (multiply by 100 for an SMR-style figure; subtract 1 for PHE's "count" form). The lower limit at
    expected count E is O_L/E, where O_L is the observed count whose upper Poisson confidence limit equals ``target``·E;
    the upper limit is O_U/E with O_U's lower limit equal to ``target``·E. This is how
    ``PHEindicatormethods::phe_funnels(statistic = "ratio")`` traces its funnels (it steps along O and reports E; we
    step along E), following Spiegelhalter (2005) Stat Med 24:1185-1202 for Poisson outcomes.

    ``exact=True`` (default, as PHEindicatormethods) uses exact Poisson limits through the gamma relationship; with
    ``exact=False`` Byar's approximation is inverted instead (see :func:`byar_interval`). O is treated as continuous,
    so the funnels are smooth. The lower limit is 0 where even no events would not be significantly low; zero expected
    gives NaN. Returns ``(lower, upper)``.
    """
    e = _floats(expected)
    _check_non_negative("expected", e)
    if target <= 0:
        raise ValueError("target must be positive")
    alpha = 1 - confidence
    mean = target * e
    z = z_value(confidence)

    spread = 2 * z * np.sqrt(mean) + 2 * z * z + 2
    if exact:
        # O's exact upper limit is G⁻¹(1 − α/2; O + 1) and its lower limit G⁻¹(α/2; O), so solve P(shape, θE) = p
        # for the shape directly; P falls as the shape rises.
        def negated_p(shape: FloatArray) -> FloatArray:
            return -_regularised_lower_gamma(shape, np.broadcast_to(mean, shape.shape))

        low_observed = (
            _solve_increasing(
                negated_p, np.full(mean.shape, alpha / 2 - 1), np.maximum(mean - spread, 1.0), mean + spread
            )
            - 1
        )
        high_observed = _solve_increasing(
            negated_p, np.full(mean.shape, -alpha / 2), np.maximum(mean, 1e-9), mean + spread + 1
        )
    else:
        low_observed = _solve_increasing(
            lambda observed: byar_interval(observed, confidence)[1], mean, np.maximum(mean - spread, 0.0), mean + 1
        )
        high_observed = _solve_increasing(
            lambda observed: byar_interval(observed, confidence)[0], mean, np.maximum(mean, 1e-9), mean + spread + 1
        )
    # Below the upper limit of a zero count, even no events would not be significantly low.
    zero_floor = float(byar_interval(0.0, confidence, exact=exact)[1])
    low_observed = np.where(mean <= zero_floor, 0.0, np.maximum(low_observed, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(e > 0, low_observed / e, np.nan)
        upper = np.where(e > 0, high_observed / e, np.nan)
    return np.asarray(lower), np.asarray(upper)


def _solve_increasing(
    function: Callable[[FloatArray], FloatArray], target: FloatArray, low: FloatArray, high: FloatArray
) -> FloatArray:
    """Bisection for ``function(x) = target`` on an increasing function, elementwise, within [low, high]."""
    low, high, target = (np.array(v, dtype=np.float64) for v in np.broadcast_arrays(low, high, target))
    # Widen any bracket that does not contain the root (rare: only at the very smallest counts).
    for _ in range(60):
        short = function(high) < target
        if not np.any(short):
            break
        high = np.where(short, 2 * high + 1, high)
    for _ in range(200):
        middle = (low + high) / 2
        below = function(middle) < target
        low = np.where(below, middle, low)
        high = np.where(below, high, middle)
        if np.all(high - low <= 1e-12 * np.maximum(1.0, high)):
            break
    return (low + high) / 2


# --------------------------------------------------------------------------------------------------------------------
# Comparison with a benchmark


def compare_to_benchmark(
    lower: ArrayLike, upper: ArrayLike, benchmark: ArrayLike, polarity: Polarity
) -> npt.NDArray[np.str_]:
    """Label each value against a benchmark by whether its confidence interval excludes the benchmark (Fingertips).

    A value is significantly higher when ``lower > benchmark`` and significantly lower when ``upper < benchmark``;
    otherwise "similar" (an interval touching the benchmark is similar). Labels by ``polarity``:

    * ``"higher_is_better"``: "better" / "similar" / "worse"
    * ``"lower_is_better"``: "better" / "similar" / "worse" (higher is worse)
    * ``"no_judgement"``: "higher" / "similar" / "lower"

    Any NaN among the inputs gives "not compared". Source: OHID Fingertips technical guidance, "Comparing indicator
    values with a benchmark" (the RAG rating by confidence-interval overlap).
    """
    labels = np.array(comparison_labels(polarity), dtype="<U12")
    return labels[benchmark_significance(lower, upper, benchmark) + 2]


def comparison_labels(polarity: Polarity) -> tuple[str, str, str, str]:
    """The labels of :func:`benchmark_significance`'s codes −2, −1, 0 and 1 for ``polarity``."""
    if polarity not in ("higher_is_better", "lower_is_better", "no_judgement"):
        raise ValueError(f"unknown polarity {polarity!r}")
    higher, lower = {
        "higher_is_better": ("better", "worse"),
        "lower_is_better": ("worse", "better"),
        "no_judgement": ("higher", "lower"),
    }[polarity]
    return ("not compared", lower, "similar", higher)


def benchmark_significance(lower: ArrayLike, upper: ArrayLike, benchmark: ArrayLike) -> npt.NDArray[np.int8]:
    """:func:`compare_to_benchmark` as int8 codes: 1 significantly higher, −1 significantly lower, 0 similar and −2
    not compared (a NaN among the inputs); a national run compares millions of values, and codes are 1 byte each."""
    lo, hi, bench = np.broadcast_arrays(_floats(lower), _floats(upper), _floats(benchmark))
    codes = (lo > bench).astype(np.int8) - (hi < bench).astype(np.int8)
    codes[np.isnan(lo) | np.isnan(hi) | np.isnan(bench)] = -2
    return codes


# --------------------------------------------------------------------------------------------------------------------
# Trend


def chi_square_linear_trend(
    counts: ArrayLike, denominators: ArrayLike, scores: ArrayLike | None = None
) -> tuple[FloatArray, FloatArray]:
    """Chi-square test for linear trend in proportions (1 df); returns ``(statistic, p_value)``.

    Method: Armitage P (1955) "Tests for linear trends in proportions and frequencies", Biometrics 11:375-386
    (Cochran–Armitage), in the form of Armitage, Berry & Matthews (2002) §15.7 and R's ``prop.trend.test``::

        T = Σ Oᵢsᵢ − p̄ Σ nᵢsᵢ      V = p̄(1 − p̄) (Σ nᵢsᵢ² − (Σ nᵢsᵢ)²/N)      χ² = T²/V

    with p̄ = ΣOᵢ/N. The groups lie along the last axis (leading axes are separate tests); ``scores`` default to
    1, 2, …, k. The p-value uses χ²(1) = Z², i.e. ``erfc(√(χ²/2))``, so no scipy is needed. A constant proportion of 0
    or 1 gives NaN.
    """
    observed = _floats(counts)
    n = _floats(denominators)
    _check_non_negative("counts", observed)
    _check_non_negative("denominators", n)
    if np.any(observed > n):
        raise ValueError("counts must not exceed denominators")
    k = np.broadcast_shapes(observed.shape, n.shape)[-1]
    s = np.arange(1, k + 1, dtype=np.float64) if scores is None else _floats(scores)
    total_n = np.sum(n * np.ones_like(observed), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_bar = np.sum(observed * np.ones_like(n), axis=-1) / total_n
        t = np.sum(observed * s, axis=-1) - p_bar * np.sum(n * s, axis=-1)
        spread = np.sum(n * s * s, axis=-1) - np.sum(n * s, axis=-1) ** 2 / total_n
        statistic = t * t / (p_bar * (1 - p_bar) * spread)
    statistic = np.asarray(statistic, dtype=np.float64)
    p_value = np.full(statistic.shape, np.nan)
    finite = np.isfinite(statistic)
    p_value[finite] = np.asarray(_ERFC(np.sqrt(statistic[finite] / 2)), dtype=np.float64)
    return statistic, np.asarray(p_value)


def weighted_linear_trend(
    values: ArrayLike, standard_errors: ArrayLike, scores: ArrayLike | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Test for linear trend in values with known standard errors (rates, ratios, standardised rates); returns
    ``(slope, statistic, p_value)``.

    Method: the inverse-variance weighted least-squares regression of the values on time that Fingertips uses for
    the recent trend of every indicator type other than proportions (OHID, *Fingertips technical guidance: trend
    markers*)::

        wᵢ = 1/seᵢ²    s̄ = Σwᵢsᵢ/Σwᵢ    β = Σwᵢ(sᵢ − s̄)yᵢ / Σwᵢ(sᵢ − s̄)²    Var(β) = 1/Σwᵢ(sᵢ − s̄)²    χ² = β²/Var(β)

    on 1 df, p = ``erfc(√(χ²/2))``. The groups lie along the last axis; ``scores`` default to 1, 2, …, k. A group with
    a standard error that is not a positive finite number gives NaN (the test needs every point's precision).
    """
    y = _floats(values)
    se = _floats(standard_errors)
    k = np.broadcast_shapes(y.shape, se.shape)[-1]
    s = np.arange(1, k + 1, dtype=np.float64) if scores is None else _floats(scores)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = 1.0 / (se * se)
        centred = s - np.sum(w * s, axis=-1, keepdims=True) / np.sum(w, axis=-1, keepdims=True)
        spread = np.sum(w * centred * centred, axis=-1)
        slope = np.sum(w * centred * y, axis=-1) / spread
        statistic = slope * slope * spread
    valid = np.all(np.isfinite(se) & (se > 0), axis=-1) & np.all(np.isfinite(y), axis=-1)
    slope = np.where(valid, slope, np.nan)
    statistic = np.where(valid, statistic, np.nan)
    p_value = np.full(statistic.shape, np.nan)
    finite = np.isfinite(statistic)
    p_value[finite] = np.asarray(_ERFC(np.sqrt(statistic[finite] / 2)), dtype=np.float64)
    return np.asarray(slope, dtype=np.float64), np.asarray(statistic, dtype=np.float64), np.asarray(p_value)


# --------------------------------------------------------------------------------------------------------------------
# Inequality indices


class IndexOfInequality(NamedTuple):
    """An SII or RII with its confidence limits (arrays; NaN limits when no standard errors were given)."""

    estimate: FloatArray
    lower: FloatArray
    upper: FloatArray


def ridit_scores(population_weights: ArrayLike) -> FloatArray:
    """Relative rank of each quantile: the midpoint of its share of the cumulative population (along the last axis).

    Quantiles must be ordered from most to least deprived, so 0 is the most deprived end and 1 the least.
    """
    weights = _floats(population_weights)
    if np.any(weights <= 0):
        raise ValueError("every quantile needs a positive population")
    share = weights / np.sum(weights, axis=-1, keepdims=True)
    return np.asarray(np.cumsum(share, axis=-1) - share / 2)


def _wls_coefficients(population_weights: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Linear maps c, d (along the last axis) with slope = Σ cᵢyᵢ and intercept = Σ dᵢyᵢ for the SII regression."""
    weights = _floats(population_weights)
    share = weights / np.sum(weights, axis=-1, keepdims=True)
    x = ridit_scores(weights)
    x_bar = np.sum(share * x, axis=-1, keepdims=True)
    centred = x - x_bar
    slope_map = share * centred / np.sum(share * centred**2, axis=-1, keepdims=True)
    intercept_map = share - x_bar * slope_map
    return slope_map, intercept_map


def _simulate(
    values: FloatArray,
    standard_errors: FloatArray,
    maps: tuple[FloatArray, FloatArray],
    repetitions: int,
    seed: int,
) -> tuple[FloatArray, FloatArray]:
    """Simulated (slope, intercept) draws, shape (..., repetitions), from independent normal quantile values."""
    if repetitions < 1000:
        raise ValueError("repetitions must be at least 1000 for stable limits")
    slope_map, intercept_map = maps
    noise = np.random.default_rng(seed).standard_normal((repetitions, values.shape[-1]))
    # The fit is linear in the values, so each draw's coefficients are the point fit plus a mapped noise term (a
    # matrix product, which BLAS does an order of magnitude faster than einsum).
    slope = np.sum(slope_map * values, axis=-1)[..., None] + (slope_map * standard_errors) @ noise.T
    intercept = np.sum(intercept_map * values, axis=-1)[..., None] + (intercept_map * standard_errors) @ noise.T
    return slope, intercept


def _percentile_limits(draws: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    tail = (1 - confidence) / 2
    limits = np.quantile(draws, [tail, 1 - tail], axis=-1)
    return np.asarray(limits[0]), np.asarray(limits[1])


def _inequality_inputs(
    values: ArrayLike, population_weights: ArrayLike, standard_errors: ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    y = _floats(values)
    weights = np.broadcast_to(_floats(population_weights), y.shape)
    if y.shape[-1:] == () or y.shape[-1] < 2:
        raise ValueError("values need at least two quantiles along the last axis")
    se = None if standard_errors is None else np.broadcast_to(_floats(standard_errors), y.shape)
    if se is not None:
        _check_non_negative("standard_errors", se)
    return y, weights, se


def slope_index_of_inequality(
    values: ArrayLike,
    population_weights: ArrayLike,
    standard_errors: ArrayLike | None = None,
    *,
    confidence: float = CONFIDENCE_95,
    method: Literal["simulation", "analytic"] = "simulation",
    repetitions: int = 100_000,
    seed: int = 20_250_101,
) -> IndexOfInequality:
    """Slope index of inequality (SII) across deprivation quantiles, with confidence limits.

    ``values`` and ``population_weights`` hold one entry per quantile along the last axis, **ordered from most to
    least deprived** (IMD decile 1 first); leading axes are separate areas or periods. Each quantile gets its ridit
    score (see :func:`ridit_scores`) and the values are regressed on the scores by weighted least squares with the
    population shares as weights (equivalently, PHE's ``Y√a = α√a + β·x√a``). The SII is the slope: the fitted value at
    the least deprived end minus that at the most deprived end. So it is positive when the indicator rises as
    deprivation falls (life expectancy) and negative when it is higher in deprived areas (premature mortality).

    Method and convention: Low A & Low A (2004) "Measuring the gap: quantifying and comparing local health
    inequalities", J Public Health 26:388-395; OHID/PHE "Slope index of inequality" technical guidance;
    ``PHEindicatormethods::phe_sii``.

    Confidence limits need the quantile values' ``standard_errors``:

    * ``method="simulation"`` (default, as ``phe_sii``): each quantile value is drawn from a normal distribution with
      its standard error, ``repetitions`` times with a fixed ``seed``, the regression refitted, and the
      (1−confidence)/2 percentiles of the simulated slopes taken.
    * ``method="analytic"``: the slope is linear in the values, so its standard error is √Σ(cᵢ·seᵢ)² exactly
      (cᵢ the WLS weights); limits are slope ± z·se. This is what the simulation converges to.

    Without standard errors the limits are NaN.
    """
    y, weights, se = _inequality_inputs(values, population_weights, standard_errors)
    maps = _wls_coefficients(weights)
    slope = np.asarray(np.sum(maps[0] * y, axis=-1))
    if se is None:
        nan = np.full(slope.shape, np.nan)
        return IndexOfInequality(slope, nan, nan.copy())
    if method == "analytic":
        half_width = z_value(confidence) * np.sqrt(np.sum((maps[0] * se) ** 2, axis=-1))
        return IndexOfInequality(slope, np.asarray(slope - half_width), np.asarray(slope + half_width))
    if method != "simulation":
        raise ValueError(f"unknown method {method!r}")
    draws, _ = _simulate(y, se, maps, repetitions, seed)
    return IndexOfInequality(slope, *_percentile_limits(draws, confidence))


def relative_index_of_inequality(
    values: ArrayLike,
    population_weights: ArrayLike,
    standard_errors: ArrayLike | None = None,
    *,
    confidence: float = CONFIDENCE_95,
    repetitions: int = 100_000,
    seed: int = 20_250_101,
) -> IndexOfInequality:
    """Relative index of inequality (RII): fitted value at the least deprived end ÷ fitted value at the most deprived.

    Same inputs, ordering and regression as :func:`slope_index_of_inequality`; with intercept α (the fitted value at
    the most deprived end, x = 0) the RII is ``(α + SII) / α``, as in ``PHEindicatormethods::phe_sii`` and the OHID/PHE
    SII guidance (Low & Low 2004). It is below 1 when the indicator is higher in more deprived quantiles; take its
    reciprocal for "most ÷ least deprived". Confidence limits are simulated exactly as for the SII (the ratio has no
    simple analytic interval); without ``standard_errors`` they are NaN.
    """
    y, weights, se = _inequality_inputs(values, population_weights, standard_errors)
    maps = _wls_coefficients(weights)
    slope = np.sum(maps[0] * y, axis=-1)
    intercept = np.sum(maps[1] * y, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rii = np.asarray((intercept + slope) / intercept)
    if se is None:
        nan = np.full(rii.shape, np.nan)
        return IndexOfInequality(rii, nan, nan.copy())
    slope_draws, intercept_draws = _simulate(y, se, maps, repetitions, seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = (intercept_draws + slope_draws) / intercept_draws
    return IndexOfInequality(rii, *_percentile_limits(draws, confidence))
