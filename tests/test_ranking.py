"""The benchmark's statistics against values worked out by hand or published by Demšar (2006):
paired bootstrap intervals, ranks, the Friedman test, the Nemenyi critical difference, the
groups a CD diagram joins, the Pareto front, and the diagram itself."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crossmodal.report.cd_diagram import draw_cd_diagram  # noqa: E402
from crossmodal.report.ranking import (  # noqa: E402
    bootstrap_replicates,
    cliques,
    friedman_test,
    nemenyi_critical_difference,
    paired_bootstrap,
    paired_difference_interval,
    pareto_front,
    rank_matrix,
)

# Demšar (2006), Table 6: AUC of four C4.5 variants on 14 UCI data sets, as printed.
DEMSAR_METHODS = ["C4.5", "C4.5+m", "C4.5+cf", "C4.5+m+cf"]
DEMSAR_AUC = pd.DataFrame(
    [[0.763, 0.768, 0.771, 0.798], [0.599, 0.591, 0.590, 0.569], [0.954, 0.971, 0.968, 0.967],
     [0.628, 0.661, 0.654, 0.657], [0.882, 0.888, 0.886, 0.898], [0.936, 0.931, 0.916, 0.931],
     [0.661, 0.668, 0.609, 0.685], [0.583, 0.583, 0.563, 0.625], [0.775, 0.838, 0.866, 0.875],
     [1.000, 1.000, 1.000, 1.000], [0.940, 0.962, 0.965, 0.962], [0.619, 0.666, 0.614, 0.669],
     [0.972, 0.981, 0.975, 0.975], [0.957, 0.978, 0.946, 0.970]],
    index=["adult (sample)", "breast cancer", "breast cancer wisconsin", "cmc", "ionosphere", "iris",
           "liver disorders", "lung cancer", "lymphography", "mushroom", "primary tumor", "rheum", "voting",
           "wine"],
    columns=DEMSAR_METHODS,
)
# The same table ranked by hand, higher AUC first, ties sharing the mean of their ranks.
DEMSAR_RANKS_BY_HAND = [
    [4, 3, 2, 1], [1, 2, 3, 4], [4, 1, 2, 3], [4, 1, 3, 2], [4, 2, 3, 1], [1, 2.5, 4, 2.5], [3, 2, 4, 1],
    [2.5, 2.5, 4, 1], [4, 3, 2, 1], [2.5, 2.5, 2.5, 2.5], [4, 2.5, 1, 2.5], [3, 2, 4, 1], [4, 1, 2.5, 2.5],
    [3, 1, 4, 2],
]


# --- ranks -------------------------------------------------------------------------------------

def test_ties_share_the_mean_of_the_ranks_they_span():
    scores = pd.DataFrame([[90.0, 80.0, 80.0]], index=["mnist -> fashion_mnist"], columns=["a", "b", "c"])
    # 90 is first; the two 80s span ranks 2 and 3, so each gets (2 + 3) / 2 = 2.5.
    assert rank_matrix(scores).loc["mnist -> fashion_mnist"].tolist() == [1.0, 2.5, 2.5]
    # Lower is better: the 80s span ranks 1 and 2 -> 1.5 each, and 90 is last.
    assert rank_matrix(scores, higher_is_better=False).loc["mnist -> fashion_mnist"].tolist() == [3.0, 1.5, 1.5]


def test_demsar_table_6_ranks_as_worked_out_by_hand():
    ranks = rank_matrix(DEMSAR_AUC)
    assert ranks.to_numpy().tolist() == DEMSAR_RANKS_BY_HAND
    # Column sums of the hand ranks: 44, 28, 41, 27 over 14 data sets.
    assert ranks.mean().tolist() == pytest.approx([44 / 14, 28 / 14, 41 / 14, 27 / 14])


def test_a_missing_score_is_refused_naming_scenario_and_method():
    scores = pd.DataFrame([[90.0, 80.0], [70.0, np.nan]], index=["mnist -> fashion_mnist", "mnist -> svhn"],
                          columns=["avae", "cmmd"])
    with pytest.raises(ValueError, match=r"method 'cmmd' in scenario 'mnist -> svhn'"):
        rank_matrix(scores)


def test_no_scores_are_refused():
    with pytest.raises(ValueError, match="no scores"):
        rank_matrix(pd.DataFrame())


# --- Friedman ----------------------------------------------------------------------------------

def test_friedman_on_demsar_table_6_as_printed():
    result = friedman_test(rank_matrix(DEMSAR_AUC))
    # Mean ranks 44/14, 28/14, 41/14, 27/14 (hand ranks above), N = 14, k = 4:
    # chi2 = 12*14/(4*5) * ((44^2 + 28^2 + 41^2 + 27^2)/14^2 - 4*5^2/4) = 8.4 * (5130/196 - 25)
    chi2 = 8.4 * (5130 / 196 - 25)
    assert result.chi2 == pytest.approx(chi2)
    assert result.chi2 == pytest.approx(9.857, abs=1e-3)
    # F_F = (N-1) chi2 / (N(k-1) - chi2) = 13 chi2 / (42 - chi2)
    assert result.iman_davenport_f == pytest.approx(13 * chi2 / (42 - chi2))
    assert (result.blocks, result.methods) == (14, 4)


def test_friedman_reproduces_demsars_reported_statistics():
    # The printed table ties C4.5+cf and C4.5+m+cf on voting (0.975, 0.975). Demšar's mean ranks,
    # 2.893 = 40.5/14 and 1.964 = 27.5/14, are the printed ones (41/14, 27/14) with that tie broken
    # for C4.5+cf, presumably from AUCs before rounding to 3 decimals; break it the same way.
    auc = DEMSAR_AUC.copy()
    auc.loc["voting", "C4.5+cf"] = 0.9751
    ranks = rank_matrix(auc)
    assert ranks.mean().round(3).tolist() == [3.143, 2.000, 2.893, 1.964]
    result = friedman_test(ranks)
    # Demšar, section 3.2.2: chi2_F = 9.28, F_F = 3.69; by hand from the rank sums 44, 28, 40.5, 27.5:
    # 8.4 * ((44^2 + 28^2 + 40.5^2 + 27.5^2)/196 - 25) = 8.4 * (5116.5/196 - 25) = 9.279.
    assert result.chi2 == pytest.approx(8.4 * (5116.5 / 196 - 25))
    assert result.chi2 == pytest.approx(9.28, abs=5e-3)
    assert result.iman_davenport_f == pytest.approx(3.69, abs=5e-3)
    # Demšar: the critical value of F(3, 39) at alpha = 0.05 is 2.85, so the null hypothesis is rejected.
    assert result.iman_davenport_f > 2.85
    assert result.p_value < 0.05


def test_friedman_p_value_in_a_case_with_a_closed_form():
    # k = 3, N = 2: F has (2, 2) degrees of freedom, whose survival function is 1 / (1 + x).
    ranks = pd.DataFrame([[1.0, 2.0, 3.0], [1.0, 3.0, 2.0]], index=["s1", "s2"], columns=["a", "b", "c"])
    result = friedman_test(ranks)
    # Mean ranks 1, 2.5, 2.5: chi2 = 12*2/(3*4) * (1 + 6.25 + 6.25 - 3*4^2/4) = 2 * 1.5 = 3
    assert result.chi2 == pytest.approx(3.0)
    # F_F = (2-1) * 3 / (2*2 - 3) = 3, and p = 1 / (1 + 3) = 0.25
    assert result.iman_davenport_f == pytest.approx(3.0)
    assert result.p_value == pytest.approx(0.25)


def test_friedman_extremes_agreement_and_indifference():
    agreeing = pd.DataFrame([[1.0, 2.0, 3.0]] * 2, index=["s1", "s2"], columns=["a", "b", "c"])
    # Mean ranks 1, 2, 3: chi2 = 2 * (1 + 4 + 9 - 12) = 4 = N(k-1), its maximum: F_F is infinite.
    result = friedman_test(agreeing)
    assert result.chi2 == pytest.approx(4.0)
    assert (result.iman_davenport_f, result.p_value) == (math.inf, 0.0)
    tied = pd.DataFrame([[2.0, 2.0, 2.0]] * 2, index=["s1", "s2"], columns=["a", "b", "c"])
    # Every rank 2: chi2 = 2 * (3*4 - 12) = 0, F_F = 0, p = 1 / (1 + 0) = 1.
    result = friedman_test(tied)
    assert (result.chi2, result.iman_davenport_f, result.p_value) == (0.0, 0.0, pytest.approx(1.0))


def test_friedman_refuses_one_scenario():
    with pytest.raises(ValueError, match="at least 2 scenarios and 2 methods, got 1 scenarios"):
        friedman_test(pd.DataFrame([[1.0, 2.0]], index=["s1"], columns=["a", "b"]))


def test_friedman_refuses_one_method():
    with pytest.raises(ValueError, match="at least 2 scenarios and 2 methods, got 2 scenarios and 1 methods"):
        friedman_test(pd.DataFrame([[1.0], [1.0]], index=["s1", "s2"], columns=["a"]))


def test_friedman_refuses_scores_in_place_of_ranks():
    scores = pd.DataFrame([[90.0, 80.0], [70.0, 75.0]], index=["s1", "s2"], columns=["a", "b"])
    with pytest.raises(ValueError, match=r"scenario 's1' does not hold ranks 1..2"):
        friedman_test(scores)


# --- Nemenyi critical difference ---------------------------------------------------------------

# Demšar's Table 5a, q_0.05 for k = 4..10. He divided studentized range values rounded to 3
# decimals by sqrt(2), so his last digit can be one off: k = 7 gives 2.9483 here, 2.949 there
# (4.170 / sqrt(2) = 2.9486).
@pytest.mark.parametrize("methods, q_alpha", [(4, 2.569), (5, 2.728), (6, 2.850), (7, 2.949), (8, 3.031),
                                              (9, 3.102), (10, 3.164)])
def test_critical_difference_uses_demsars_q_values(methods, q_alpha):
    # CD = q_alpha * sqrt(k(k+1) / (6N)), so q_alpha = CD / sqrt(k(k+1) / (6N)) for any N, here 14.
    q_from_cd = nemenyi_critical_difference(methods, 14) / math.sqrt(methods * (methods + 1) / (6 * 14))
    assert q_from_cd == pytest.approx(q_alpha, abs=1e-3)


def test_critical_difference_of_demsars_worked_example():
    # k = 4, N = 14: CD = 2.569 * sqrt(4*5 / (6*14)) = 2.569 * 0.48795 = 1.2536
    assert nemenyi_critical_difference(4, 14) == pytest.approx(2.569 * math.sqrt(20 / 84), abs=1e-4)
    assert round(nemenyi_critical_difference(4, 14), 2) == 1.25


def test_critical_difference_refuses_one_method_and_a_bad_alpha():
    with pytest.raises(ValueError, match="at least 2 methods and 1 scenario, got 1 methods"):
        nemenyi_critical_difference(1, 14)
    with pytest.raises(ValueError, match="alpha must lie strictly between 0 and 1, got 0"):
        nemenyi_critical_difference(4, 14, alpha=0.0)


# --- cliques -----------------------------------------------------------------------------------

def test_cliques_are_maximal_runs_within_the_critical_difference():
    ranks = {"a": 1.0, "b": 1.5, "c": 2.2, "d": 3.9, "e": 4.0, "f": 6.0}
    # From a: b is 0.5 away, c 1.2 < 1.25, d 2.9 -> (a, b, c). From b and c: nothing beyond c -> inside it.
    # From d: e is 0.1 away, f 2.1 -> (d, e). f is 2.0 from e: alone, so no bar.
    assert cliques(ranks, 1.25) == [("a", "b", "c"), ("d", "e")]


def test_overlapping_cliques_are_both_kept():
    # a-b and b-c are 1.0 apart, a-c 2.0 >= 1.5: two groups sharing b.
    assert cliques({"c": 3.0, "a": 1.0, "b": 2.0}, 1.5) == [("a", "b"), ("b", "c")]


def test_a_difference_of_exactly_the_critical_difference_is_significant():
    # Demšar: significant when the mean ranks differ by at least CD; 2.25 - 1.0 = 1.25.
    assert cliques({"a": 1.0, "b": 2.25}, 1.25) == []


def test_demsars_example_forms_one_group():
    # Demšar's mean ranks: the largest gap, 3.143 - 1.964 = 1.179, is below CD = 1.25.
    ranks = {"C4.5": 3.143, "C4.5+m": 2.000, "C4.5+cf": 2.893, "C4.5+m+cf": 1.964}
    assert cliques(ranks, nemenyi_critical_difference(4, 14)) == [("C4.5+m+cf", "C4.5+m", "C4.5+cf", "C4.5")]


def test_cliques_refuse_a_non_positive_critical_difference():
    with pytest.raises(ValueError, match="must be a positive number, got 0"):
        cliques({"a": 1.0, "b": 2.0}, 0.0)


# --- Pareto front ------------------------------------------------------------------------------

def test_pareto_front_keeps_the_undominated_and_equal_points():
    points = {
        "a": (10.0, 90.0),
        "b": (20.0, 95.0),
        "c": (20.0, 80.0),  # a costs less and is more accurate
        "d": (5.0, 70.0),  # the cheapest
        "e": (30.0, 95.0),  # b is as accurate and cheaper
        "f": (20.0, 95.0),  # equal to b: neither dominates the other
        "g": (40.0, 99.0),  # the most accurate
    }
    # By cost, equal points by name.
    assert pareto_front(points) == ["d", "a", "b", "f", "g"]


def test_pareto_front_refuses_a_missing_value():
    with pytest.raises(ValueError, match="method 'b' has a missing or infinite value"):
        pareto_front({"a": (1.0, 90.0), "b": (2.0, float("nan"))})


# --- paired bootstrap --------------------------------------------------------------------------

def _outcomes(*counts: tuple[int, int]) -> list[np.ndarray]:
    """One vector per seed: ``correct`` True values followed by False, ``total`` long."""
    return [np.arange(total) < correct for correct, total in counts]


def test_an_always_correct_method_has_the_interval_100_100():
    correct = {"perfect": _outcomes((50, 50), (50, 50), (50, 50)), "other": _outcomes((30, 50), (20, 50), (40, 50))}
    assert paired_bootstrap(correct, replicates=200)["perfect"] == (100.0, 100.0)


def test_accuracy_is_averaged_over_seeds_resampled_within_each():
    # Seed 0 all correct, seed 1 all wrong: any resample within each seed gives (100 + 0) / 2 = 50.
    # Resampling the two seeds pooled would mix them and move the accuracy.
    correct = {"half": _outcomes((40, 40), (0, 40))}
    assert paired_bootstrap(correct, replicates=200)["half"] == (50.0, 50.0)


def test_the_interval_contains_the_point_estimate():
    correct = {"m": _outcomes((35, 50), (20, 50), (45, 50))}
    # Point estimate: (35/50 + 20/50 + 45/50) / 3 * 100 = (70 + 40 + 90) / 3 = 66.67.
    low, high = paired_bootstrap(correct, replicates=500)["m"]
    assert low < (70 + 40 + 90) / 3 < high


def test_the_same_seed_gives_the_same_intervals():
    correct = {"a": _outcomes((35, 50), (20, 50)), "b": _outcomes((25, 50), (30, 50))}
    assert paired_bootstrap(correct, replicates=300, seed=7) == paired_bootstrap(correct, replicates=300, seed=7)
    assert paired_bootstrap(correct, replicates=300, seed=7) != paired_bootstrap(correct, replicates=300, seed=8)


def test_the_indices_do_not_depend_on_which_methods_are_asked_about():
    a, b = _outcomes((35, 50), (20, 50)), _outcomes((25, 50), (30, 50))
    assert paired_bootstrap({"a": a, "b": b}, replicates=300)["a"] == paired_bootstrap({"a": a}, replicates=300)["a"]


def test_identical_methods_differ_by_exactly_zero_only_when_paired():
    vectors = _outcomes((30, 60), (42, 60), (18, 60))
    correct = {"a": vectors, "b": [vector.copy() for vector in vectors]}
    assert paired_difference_interval(correct, "a", "b", replicates=500) == (0.0, 0.0)
    # Resampled independently (different seeds), the same two methods seem to differ both ways.
    independent = bootstrap_replicates(correct, 500, seed=1)["a"] - bootstrap_replicates(correct, 500, seed=2)["b"]
    assert np.percentile(independent, 2.5) < -1.0 and np.percentile(independent, 97.5) > 1.0


def test_pairing_narrows_the_difference_interval():
    rng = np.random.default_rng(0)
    a = [rng.random(200) < 0.6 for _ in range(3)]
    # b agrees with a except on 10 of each seed's 200 samples, where it is wrong.
    b = [vector.copy() for vector in a]
    for vector in b:
        vector[:10] = False
    correct = {"a": a, "b": b}
    low, high = paired_difference_interval(correct, "a", "b", replicates=500)
    independent = bootstrap_replicates(correct, 500, seed=1)["a"] - bootstrap_replicates(correct, 500, seed=2)["b"]
    independent_width = np.percentile(independent, 97.5) - np.percentile(independent, 2.5)
    assert high - low < independent_width / 2
    # b is never right where a is wrong: every paired replicate favours a (or ties).
    assert low >= 0.0


def test_the_bootstrap_refuses_methods_with_different_seed_counts():
    with pytest.raises(ValueError, match="method 'b' has 1 seeds but 'a' has 2"):
        paired_bootstrap({"a": _outcomes((1, 5), (2, 5)), "b": _outcomes((1, 5))})


def test_the_bootstrap_refuses_seeds_of_different_lengths():
    with pytest.raises(ValueError, match=r"method 'b' has seeds of lengths \[5, 6\] but 'a' has \[5, 5\]"):
        paired_bootstrap({"a": _outcomes((1, 5), (2, 5)), "b": _outcomes((1, 5), (2, 6))})


def test_the_bootstrap_refuses_an_empty_method():
    with pytest.raises(ValueError, match="method 'b' has no seeds or an empty seed"):
        paired_bootstrap({"a": _outcomes((1, 5)), "b": []})
    with pytest.raises(ValueError, match="method 'a' has no seeds or an empty seed"):
        paired_bootstrap({"a": [np.array([], dtype=bool)]})


def test_the_bootstrap_refuses_scores_that_are_not_outcomes():
    with pytest.raises(ValueError, match="method 'a' has a seed that is not a 1-D vector of correct/incorrect"):
        paired_bootstrap({"a": [np.array([0.2, 0.9])]})


def test_the_bootstrap_refuses_no_methods_an_unknown_method_and_bad_settings():
    correct = {"a": _outcomes((1, 5))}
    with pytest.raises(ValueError, match="no methods given"):
        paired_bootstrap({})
    with pytest.raises(ValueError, match=r"method 'z' is not among \['a'\]"):
        paired_difference_interval(correct, "a", "z")
    with pytest.raises(ValueError, match="level must lie strictly between 0 and 1, got 1.5"):
        paired_bootstrap(correct, level=1.5)
    with pytest.raises(ValueError, match="replicates must be at least 1, got 0"):
        paired_bootstrap(correct, replicates=0)


# --- the diagram -------------------------------------------------------------------------------

def test_the_diagram_names_every_method_and_the_critical_difference():
    ranks = {"avae": 1.2, "cmmd": 2.1, "bridged": 2.3, "m2vae": 3.9, "cvae": 4.0}
    fig, ax = plt.subplots(figsize=(6, 2.5))
    draw_cd_diagram(ranks, 1.25, ax, titles={"avae": "AVAE"})
    texts = [text.get_text() for text in ax.texts]
    plt.close(fig)
    assert "CD = 1.25" in texts
    # The title where one is given, the key otherwise, each with its mean rank.
    for label in ("AVAE (1.20)", "cmmd (2.10)", "bridged (2.30)", "(3.90) m2vae", "(4.00) cvae"):
        assert label in texts
    # One thick bar per group: (avae, cmmd, bridged) and (m2vae, cvae); see cliques.
    assert len([line for line in ax.lines if line.get_linewidth() > 3]) == 2


def test_the_diagram_refuses_a_single_method():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="at least 2 methods, got 1"):
        draw_cd_diagram({"avae": 1.0}, 1.0, ax)
    plt.close(fig)
