"""Tests for peolc.analytics.stats: published worked examples first, then properties.

Every expected number below is copied from the source named beside it; where the source prints fewer digits than
1e-6 the tolerance is the printed precision, and the comment says so.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peolc.analytics import stats

# --------------------------------------------------------------------------------------------------------------------
# Published examples


@pytest.mark.parametrize(
    ("count", "denominator", "lower", "upper"),
    [
        # Newcombe RG (1998) Stat Med 17:857-872, Table I, method 3 (Wilson score, no continuity correction).
        # Printed to 4 decimal places, so the tolerance is half a unit in the 4th place.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998_table_1(count: int, denominator: int, lower: float, upper: float) -> None:
    low, high = stats.wilson_interval(count, denominator)
    assert float(low) == pytest.approx(lower, abs=5e-5)
    assert float(high) == pytest.approx(upper, abs=5e-5)


# PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv (expected output of phe_funnels for
# testdata_funnel_prop_inputs.csv): Population, 95% lower/upper, 99.8% lower/upper, as percentages with 6 decimals.
# Baseline (sum of numerators / sum of denominators) printed as 80.642448.
PHE_FUNNEL_PROPORTION_ROWS = [
    (1, 3.204264, 100, 0, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]


@pytest.mark.parametrize(("population", "lower_95", "upper_95", "lower_998", "upper_998"), PHE_FUNNEL_PROPORTION_ROWS)
def test_funnel_proportion_matches_phe_funnels(
    population: int, lower_95: float, upper_95: float, lower_998: float, upper_998: float
) -> None:
    baseline = 0.80642448
    # Output and baseline are both printed to 1e-6 percentage points, so each limit agrees to about 1e-6 points.
    for confidence, expected in ((0.95, (lower_95, upper_95)), (0.998, (lower_998, upper_998))):
        limits = stats.funnel_limits_proportion(population, baseline, confidence)
        assert np.allclose(np.array(limits) * 100, expected, rtol=0, atol=1e-6)


# PHEindicatormethods tests/testthat/testdata_funnel_ratio_outputs.csv (phe_funnels, statistic = "ratio"): for each
# observed count O, the expected counts at which O sits on the 95% ("2s") and 99.8% ("3s") funnels. These are exact
# Poisson limits of O: lower_*_exp_events is O's upper limit and upper_*_exp_events its lower limit.
# Columns: O, lower_2s_exp_events, upper_2s_exp_events, lower_3s_exp_events, upper_3s_exp_events.
PHE_FUNNEL_RATIO_ROWS = [
    (1, 5.571644585, 0.025317898, 9.233410143, 0.001000547),
    (2, 7.224687515, 0.242209467, 11.22886836, 0.04540199),
    (10, 18.39035799, 4.795387629, 24.13397235, 2.960519925),
    (100, 121.6268111, 81.36400699, 134.9243187, 71.92139974),
    (716, 770.4222128, 664.5083011, 802.60414, 636.1521174),
]


def _phe_bisection_scale(observed: float, expected: float) -> float:
    # PHE's poisson_funnel bisects on v = E / (E + O + 1) and stops when the step falls below 1e-7, so its E are only
    # good to about 1e-7 in v; compare in that space.
    return expected / (expected + observed + 1)


@pytest.mark.parametrize(("observed", "upper_95", "lower_95", "upper_998", "lower_998"), PHE_FUNNEL_RATIO_ROWS)
def test_exact_poisson_limits_match_phe_funnels(
    observed: int, upper_95: float, lower_95: float, upper_998: float, lower_998: float
) -> None:
    for confidence, expected in ((0.95, (lower_95, upper_95)), (0.998, (lower_998, upper_998))):
        limits = stats.byar_interval(observed, confidence, exact=True)
        for ours, theirs in zip(limits, expected, strict=True):
            assert _phe_bisection_scale(observed, float(ours)) == pytest.approx(
                _phe_bisection_scale(observed, theirs), abs=2e-7
            )


@pytest.mark.parametrize(("observed", "upper_95", "lower_95", "upper_998", "lower_998"), PHE_FUNNEL_RATIO_ROWS)
def test_funnel_ratio_limits_match_phe_funnels(
    observed: int, upper_95: float, lower_95: float, upper_998: float, lower_998: float
) -> None:
    # At E = the published expected count, the funnel passes through O / E. PHE's E carry its bisection error (up to
    # about 5e-6 relative at the smallest E), hence rtol 1e-5.
    for confidence, on_lower, on_upper in ((0.95, upper_95, lower_95), (0.998, upper_998, lower_998)):
        lower, _ = stats.funnel_limits_ratio(on_lower, confidence)
        _, upper = stats.funnel_limits_ratio(on_upper, confidence)
        assert float(lower) == pytest.approx(observed / on_lower, rel=1e-5)
        assert float(upper) == pytest.approx(observed / on_upper, rel=1e-5)


def test_exact_poisson_closed_forms() -> None:
    # For 0 events the exact upper limit is −ln(α/2); for 1 event the exact lower limit is −ln(1 − α/2) (the gamma
    # distribution with shape 1 is exponential). Armitage, Berry & Matthews (2002) §4.8.
    for confidence in (0.95, 0.998):
        alpha = 1 - confidence
        lower0, upper0 = stats.byar_interval(0, confidence, exact=True)
        lower1, _ = stats.byar_interval(1, confidence, exact=True)
        assert float(lower0) == 0
        assert float(upper0) == pytest.approx(-math.log(alpha / 2), rel=1e-12)
        assert float(lower1) == pytest.approx(-math.log1p(-alpha / 2), rel=1e-10)


def test_byar_matches_ruby_byar_gem_documentation() -> None:
    # The "byar" Ruby gem documents, for 100 observed with z = 1.96: upper bound 121.628347271806 and
    # Byar.lower(100, 90) = 0.9040199067337297 (i.e. lower bound 81.36179160603567). z = 1.96 is confidence
    # 2Φ(1.96) − 1.
    confidence = 2 * stats.NormalDist().cdf(1.96) - 1
    lower, upper = stats.byar_interval(100, confidence)
    assert float(upper) == pytest.approx(121.628347271806, rel=1e-12)
    assert float(lower) / 90 == pytest.approx(0.9040199067337297, rel=1e-12)


def test_byar_within_two_tenths_of_a_percent_of_exact_from_ten_events() -> None:
    # OHID "Technical Guide: Confidence Intervals" (2018) and Fingertips guidance: at 95%, Byar's method is within
    # 0.2% of the exact value for counts of 10 or more.
    counts = np.array([10, 11, 15, 20, 50, 100, 389, 1000, 5000])
    byar = np.array(stats.byar_interval(counts))
    exact = np.array(stats.byar_interval(counts, exact=True))
    assert np.all(np.abs(byar / exact - 1) < 0.002)


@pytest.mark.parametrize(
    ("counts", "denominators", "statistic", "p_value", "source"),
    [
        # R stats::prop.trend.test help example (smokers out of patients), output as printed on R-help
        # (Barradas, 8 Sep 2023): X-squared = 8.2249, p-value = 0.004132. Printed to 4-5 significant figures.
        ([83, 90, 129, 70], [86, 93, 136, 82], 8.2249, 0.004132, "R prop.trend.test example"),
        # Caesarean section by mother's shoe size, Altman (1991) p.229, as analysed in Dalgaard P (2008) "Introductory
        # Statistics with R", 2nd edn, §7.3: X-squared = 8.0237, p-value = 0.004617.
        ([5, 7, 6, 7, 8, 10], [22, 35, 42, 48, 54, 150], 8.0237, 0.004617, "Dalgaard 2008 §7.3"),
    ],
)
def test_chi_square_trend_matches_published_output(
    counts: list[int], denominators: list[int], statistic: float, p_value: float, source: str
) -> None:
    chi2, p = stats.chi_square_linear_trend(counts, denominators)
    assert float(chi2) == pytest.approx(statistic, abs=5e-5), source
    assert float(p) == pytest.approx(p_value, abs=5e-7), source


def test_weighted_linear_trend_worked_example() -> None:
    # y = 1..5 with unit standard errors: β = Σ(s − 3)y / Σ(s − 3)² = 10/10 = 1, Var(β) = 1/10, χ² = 10.
    slope, chi2, p = stats.weighted_linear_trend([1, 2, 3, 4, 5], [1, 1, 1, 1, 1])
    assert float(slope) == pytest.approx(1.0)
    assert float(chi2) == pytest.approx(10.0)
    assert float(p) == pytest.approx(math.erfc(math.sqrt(5)), rel=1e-12)


def test_weighted_linear_trend_is_the_inverse_variance_weighted_regression() -> None:
    values = np.array([12.0, 15.5, 14.0, 19.0, 21.5])
    se = np.array([1.2, 2.0, 0.8, 1.5, 3.0])
    slope, chi2, _ = stats.weighted_linear_trend(values, se)
    # numpy weights the residuals, so 1/se weights the squared residuals by 1/se².
    assert float(slope) == pytest.approx(np.polyfit(np.arange(1, 6), values, 1, w=1 / se)[0])
    halved = stats.weighted_linear_trend(values, se * 2)
    assert float(halved[0]) == pytest.approx(float(slope))
    assert float(halved[1]) == pytest.approx(float(chi2) / 4)


def test_weighted_linear_trend_flat_and_undefined_series() -> None:
    slope, chi2, p = stats.weighted_linear_trend([[7, 7, 7, 7, 7], [1, 2, 3, 4, 5]], [[1, 2, 1, 2, 1], [1, 0, 1, 1, 1]])
    assert slope[0] == pytest.approx(0) and p[0] == pytest.approx(1)
    assert np.isnan(slope[1]) and np.isnan(chi2[1]) and np.isnan(p[1])


# --------------------------------------------------------------------------------------------------------------------
# Directly standardised rates


def test_default_standard_population_is_esp2013() -> None:
    esp = stats.european_standard_population_2013()
    assert esp.shape == (19,)
    assert esp.sum() == 100_000
    assert esp[0] == 5000 and esp[-1] == 1000


def test_dsr_with_one_stratum_is_the_crude_rate_with_byar_limits() -> None:
    rate, lower, upper = stats.dsr([37], [52_000], [1], multiplier=100_000)
    byar_lower, byar_upper = stats.byar_interval(37)
    assert float(rate) == pytest.approx(37 / 52_000 * 100_000)
    assert float(lower) == pytest.approx(float(byar_lower) / 52_000 * 100_000)
    assert float(upper) == pytest.approx(float(byar_upper) / 52_000 * 100_000)


def test_dsr_equals_crude_rate_when_population_matches_the_standard() -> None:
    # With populations proportional to the standard, the DSR is the crude rate and Dobson's limits reduce to Byar's.
    esp = stats.european_standard_population_2013()
    counts = np.arange(1, 20, dtype=float) * 3
    population = esp * 2
    rate, lower, upper = stats.dsr(counts, population)
    total = counts.sum()
    byar_lower, byar_upper = stats.byar_interval(total)
    scale = 100_000 / population.sum()
    assert float(rate) == pytest.approx(total * scale)
    assert float(lower) == pytest.approx(float(byar_lower) * scale)
    assert float(upper) == pytest.approx(float(byar_upper) * scale)


def test_dsr_grouped_rows_equal_separate_calls() -> None:
    rng = np.random.default_rng(1)
    populations = rng.integers(500, 20_000, size=(3, 19)).astype(float)
    counts = rng.poisson(populations * 0.01).astype(float)
    grouped = stats.dsr(counts, populations)
    assert grouped[0].shape == (3,)
    for row in range(3):
        single = stats.dsr(counts[row], populations[row])
        for ours, theirs in zip(grouped, single, strict=True):
            assert ours[row] == pytest.approx(float(theirs))


def test_dsr_edge_cases() -> None:
    rate, lower, upper = stats.dsr(np.zeros(19), np.full(19, 1000.0))
    assert float(rate) == 0 and np.isnan(lower) and np.isnan(upper)
    populations = np.full(19, 1000.0)
    populations[3] = 0
    assert np.isnan(stats.dsr(np.ones(19), populations)[0])
    with pytest.raises(ValueError, match="age bands"):
        stats.dsr(np.ones(5), np.ones(5))


# --------------------------------------------------------------------------------------------------------------------
# Benchmarks, SII and RII


def test_compare_to_benchmark_labels() -> None:
    lower = np.array([0.6, 0.3, 0.45, 0.5, np.nan])
    upper = np.array([0.7, 0.4, 0.55, 0.6, 0.6])
    assert stats.compare_to_benchmark(lower, upper, 0.5, "higher_is_better").tolist() == [
        "better",
        "worse",
        "similar",
        "similar",
        "not compared",
    ]
    assert stats.compare_to_benchmark(lower, upper, 0.5, "lower_is_better").tolist()[:3] == [
        "worse",
        "better",
        "similar",
    ]
    assert stats.compare_to_benchmark(lower, upper, 0.5, "no_judgement").tolist()[:3] == ["higher", "lower", "similar"]
    with pytest.raises(ValueError, match="polarity"):
        stats.compare_to_benchmark(lower, upper, 0.5, "up")  # type: ignore[arg-type]


def test_ridit_scores_follow_the_phe_worked_description() -> None:
    # PHEindicatormethods phe_sii documentation: a first quantile holding 12% of the population has relative rank
    # 0.06; a second holding 10% has 0.12 + 0.05 = 0.17.
    scores = stats.ridit_scores([12, 10, 78])
    assert scores[:2] == pytest.approx([0.06, 0.17])


def test_sii_and_rii_recover_an_exact_linear_gradient() -> None:
    population = np.array([7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534], dtype=float)
    x = stats.ridit_scores(population)
    values = 70 + 12 * x
    sii = stats.slope_index_of_inequality(values, population)
    rii = stats.relative_index_of_inequality(values, population)
    assert float(sii.estimate) == pytest.approx(12)
    assert float(rii.estimate) == pytest.approx(82 / 70)
    assert np.isnan(sii.lower) and np.isnan(rii.upper)


def test_sii_simulation_agrees_with_analytic_and_is_reproducible() -> None:
    # Data: the phe_sii documentation example, Area1 (values and standard errors by decile, most deprived first).
    population = [7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534]
    values = [75.9, 78.3, 83.8, 83.6, 80.5, 81.1, 81.7, 84.2, 80.6, 86.3]
    se = [1.64, 1.58, 1.51, 1.78, 1.7, 1.56, 1.37, 1.4, 2.43, 1.57]
    simulated = stats.slope_index_of_inequality(values, population, se, repetitions=20_000, seed=5)
    again = stats.slope_index_of_inequality(values, population, se, repetitions=20_000, seed=5)
    analytic = stats.slope_index_of_inequality(values, population, se, method="analytic")
    assert float(simulated.lower) == float(again.lower)
    assert float(simulated.estimate) == float(analytic.estimate)
    assert float(simulated.lower) == pytest.approx(float(analytic.lower), abs=0.1)
    assert float(simulated.upper) == pytest.approx(float(analytic.upper), abs=0.1)
    rii = stats.relative_index_of_inequality(values, population, se, repetitions=20_000, seed=5)
    assert float(rii.lower) < float(rii.estimate) < float(rii.upper)


def test_sii_grouped_rows_equal_separate_calls() -> None:
    population = np.array([[100, 120, 90, 110, 95], [300, 280, 310, 290, 305]], dtype=float)
    values = np.array([[10, 12, 13, 15, 18], [30, 28, 27, 25, 20]], dtype=float)
    grouped = stats.slope_index_of_inequality(values, population)
    for row in range(2):
        assert grouped.estimate[row] == pytest.approx(
            float(stats.slope_index_of_inequality(values[row], population[row]).estimate)
        )


# --------------------------------------------------------------------------------------------------------------------
# Properties

counts_and_denominators = st.integers(min_value=1, max_value=100_000).flatmap(
    lambda n: st.tuples(st.floats(min_value=0, max_value=n), st.just(float(n)))
)
confidences = st.sampled_from([0.9, 0.95, 0.99, 0.998])


@settings(max_examples=200, deadline=None)
@given(counts_and_denominators, confidences)
def test_wilson_brackets_the_proportion_within_unit_interval(pair: tuple[float, float], confidence: float) -> None:
    count, denominator = pair
    lower, upper = stats.wilson_interval(count, denominator, confidence)
    proportion = count / denominator
    assert 0 <= lower <= proportion + 1e-12
    assert proportion - 1e-12 <= upper <= 1
    wider = stats.wilson_interval(count, denominator, min(confidence + 0.001, 0.999))
    assert wider[0] <= lower + 1e-12 and wider[1] >= upper - 1e-12


def test_wilson_edges() -> None:
    assert stats.wilson_interval(0, 50)[0] == 0
    assert stats.wilson_interval(50, 50)[1] == 1
    assert all(np.isnan(limit) for limit in stats.wilson_interval(0, 0))
    with pytest.raises(ValueError, match="exceed"):
        stats.wilson_interval(5, 4)
    with pytest.raises(ValueError, match="confidence"):
        stats.wilson_interval(1, 4, 95)


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0, max_value=5000), confidences)
def test_poisson_limits_bracket_the_count(count: float, confidence: float) -> None:
    for exact in (False, True):
        lower, upper = stats.byar_interval(count, confidence, exact=exact)
        assert 0 <= lower <= count <= upper


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0.01, max_value=0.99), st.integers(min_value=1, max_value=1_000_000), confidences)
def test_proportion_funnels_narrow_with_denominator(target: float, n: int, confidence: float) -> None:
    lower, upper = stats.funnel_limits_proportion([n, n * 2], target, confidence)
    assert lower[0] <= lower[1] <= target <= upper[1] <= upper[0]
    wide_lower, wide_upper = stats.funnel_limits_proportion(n, target, 0.998 if confidence < 0.998 else 0.999)
    assert wide_lower <= lower[0] and wide_upper >= upper[0]


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=0.5, max_value=2000), st.booleans())
def test_ratio_funnels_bracket_target_and_narrow(expected: float, exact: bool) -> None:
    lower, upper = stats.funnel_limits_ratio([expected, expected * 1.5], exact=exact)
    assert lower[0] <= lower[1] <= 1 <= upper[1] <= upper[0]
    wide_lower, wide_upper = stats.funnel_limits_ratio(expected, 0.998, exact=exact)
    assert wide_lower <= lower[0] and wide_upper >= upper[0]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(min_value=1, max_value=1e5), min_size=5, max_size=10).flatmap(
        lambda pops: st.tuples(
            st.just(pops), st.lists(st.floats(min_value=-50, max_value=50), min_size=len(pops), max_size=len(pops))
        )
    )
)
def test_sii_flips_sign_when_the_gradient_flips(data: tuple[list[float], list[float]]) -> None:
    population, values = data
    forward = float(stats.slope_index_of_inequality(values, population).estimate)
    mirrored = float(stats.slope_index_of_inequality(values[::-1], population[::-1]).estimate)
    assert mirrored == pytest.approx(-forward, abs=1e-9 * (1 + abs(forward)))
    negated = float(stats.slope_index_of_inequality(-np.array(values), population).estimate)
    assert negated == pytest.approx(-forward, abs=1e-9 * (1 + abs(forward)))


def test_chi_square_trend_is_invariant_to_linear_rescoring_and_zero_without_trend() -> None:
    counts, denominators = [83, 90, 129, 70], [86, 93, 136, 82]
    base = stats.chi_square_linear_trend(counts, denominators)
    rescored = stats.chi_square_linear_trend(counts, denominators, scores=[10, 20, 30, 40])
    assert float(rescored[0]) == pytest.approx(float(base[0]))
    flat, p = stats.chi_square_linear_trend([10, 20, 30], [100, 200, 300])
    assert float(flat) == pytest.approx(0) and float(p) == pytest.approx(1)


def test_scalar_inputs_give_zero_dimensional_arrays() -> None:
    lower, upper = stats.wilson_interval(3, 10)
    assert isinstance(lower, np.ndarray) and lower.shape == ()
    assert stats.byar_interval(3)[1].shape == ()
    assert stats.funnel_limits_ratio(10.0)[0].shape == ()
