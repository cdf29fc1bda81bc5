"""Statistics for the benchmark's report: paired bootstrap intervals of accuracy, and the
Friedman/Nemenyi comparison of every method over every scenario (Demšar 2006).

Two questions, two tools. Within one scenario, how sure are we of each method's accuracy and of the
gap between two methods? The bootstrap answers, resampling the test images (the same images for
every method, so that the gap is judged on paired data). Across scenarios, is one method better
than another in general? Ranks answer: per scenario (a block) the methods are ranked, the Friedman
test asks whether the mean ranks differ at all, and the Nemenyi critical difference says which pairs
do. Scores are accuracies in percent; nothing here knows about models, only about numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

# Replicates are drawn in blocks so that a large test set (10 000 images x 1000 replicates) never
# needs all its indices in memory at once; the block size is fixed because it fixes the draw order.
_REPLICATE_BLOCK = 100


def _validated_correct(correct: Mapping[str, Sequence[np.ndarray]]) -> dict[str, list[np.ndarray]]:
    """Every method's per-seed vectors as boolean arrays, checked to be paired: the same number of
    seeds, and per seed the same number of test samples, for every method."""
    if not correct:
        raise ValueError("paired bootstrap: no methods given")
    checked: dict[str, list[np.ndarray]] = {}
    reference: tuple[str, list[int]] | None = None
    for method, per_seed in correct.items():
        vectors = [np.asarray(vector) for vector in per_seed]
        if not vectors or any(vector.size == 0 for vector in vectors):
            raise ValueError(f"paired bootstrap: method {method!r} has no seeds or an empty seed")
        for vector in vectors:
            if vector.ndim != 1 or (vector.dtype != bool and not np.isin(vector, (0, 1)).all()):
                raise ValueError(f"paired bootstrap: method {method!r} has a seed that is not a 1-D "
                                 "vector of correct/incorrect (boolean) outcomes")
        lengths = [len(vector) for vector in vectors]
        if reference is None:
            reference = (method, lengths)
        elif len(lengths) != len(reference[1]):
            raise ValueError(f"paired bootstrap: method {method!r} has {len(lengths)} seeds but "
                             f"{reference[0]!r} has {len(reference[1])}; every method needs the same seeds")
        elif lengths != reference[1]:
            raise ValueError(f"paired bootstrap: method {method!r} has seeds of lengths {lengths} but "
                             f"{reference[0]!r} has {reference[1]}; pairing needs the same test samples")
        checked[method] = [vector.astype(bool) for vector in vectors]
    return checked


def _replicate_indices(lengths: Sequence[int], replicates: int, seed: int) -> Iterator[list[np.ndarray]]:
    """Blocks of resampled test indices: per block, one (block, n_s) array per seed s.

    The only source of randomness for both bootstrap functions: given the seed and the test-set
    lengths they draw the same indices, whichever methods they are asked about."""
    rng = np.random.default_rng(seed)
    for start in range(0, replicates, _REPLICATE_BLOCK):
        block = min(_REPLICATE_BLOCK, replicates - start)
        yield [rng.integers(0, length, size=(block, length)) for length in lengths]


def bootstrap_replicates(correct: Mapping[str, Sequence[np.ndarray]], replicates: int = 1000,
                         seed: int = 0) -> dict[str, np.ndarray]:
    """Each method's accuracy (percent, averaged over seeds) on every bootstrap replicate.

    A replicate resamples the test samples with replacement within each seed, with the same indices
    for every method, so replicate r of method a and replicate r of method b saw the same images."""
    checked = _validated_correct(correct)
    if replicates < 1:
        raise ValueError(f"paired bootstrap: replicates must be at least 1, got {replicates}")
    lengths = [len(vector) for vector in next(iter(checked.values()))]
    accuracies = {method: np.empty(replicates) for method in checked}
    start = 0
    for indices in _replicate_indices(lengths, replicates, seed):
        block = len(indices[0])
        for method, vectors in checked.items():
            per_seed = [vector[seed_indices].mean(axis=1) for vector, seed_indices in zip(vectors, indices)]
            accuracies[method][start:start + block] = 100.0 * np.mean(per_seed, axis=0)
        start += block
    return accuracies


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"paired bootstrap: level must lie strictly between 0 and 1, got {level}")


def percentile_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    """The central ``level`` interval of bootstrap replicates (percentile method)."""
    low, high = np.percentile(values, [50.0 * (1.0 - level), 50.0 * (1.0 + level)])
    return float(low), float(high)


def paired_bootstrap(correct: Mapping[str, Sequence[np.ndarray]], replicates: int = 1000, seed: int = 0,
                     level: float = 0.95) -> dict[str, tuple[float, float]]:
    """Percentile interval of each method's accuracy (percent, mean over seeds).

    ``correct[method][s]`` holds, per test sample of seed s, whether the evaluator classified the
    generated sample as the expected class. Methods are resampled together (see
    ``bootstrap_replicates``); ``paired_difference_interval`` with the same seed draws the same replicates."""
    _check_level(level)
    return {method: percentile_interval(values, level)
            for method, values in bootstrap_replicates(correct, replicates, seed).items()}


def paired_difference_interval(correct: Mapping[str, Sequence[np.ndarray]], a: str, b: str,
                               replicates: int = 1000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of accuracy(a) - accuracy(b), in percentage points, from paired replicates.

    Pairing removes the variation both methods share (easy and hard test images), so the interval
    is narrower than one from resampling each method on its own, and reflects only where they differ."""
    _check_level(level)
    for method in (a, b):
        if method not in correct:
            raise ValueError(f"paired bootstrap: method {method!r} is not among {sorted(correct)}")
    accuracies = bootstrap_replicates(correct, replicates, seed)
    return percentile_interval(accuracies[a] - accuracies[b], level)


def rank_matrix(scores: pd.DataFrame, higher_is_better: bool = True) -> pd.DataFrame:
    """Per scenario (row, a block), the rank of every method (column): 1 is the best, and tied
    methods share the average of the ranks they span (Demšar 2006), e.g. [90, 80, 80] -> [1, 2.5, 2.5]."""
    if scores.empty:
        raise ValueError("rank_matrix: no scores")
    missing = scores.isna().to_numpy()
    if missing.any():
        row, column = np.argwhere(missing)[0]
        raise ValueError(f"rank_matrix: no score for method {scores.columns[column]!r} in scenario "
                         f"{scores.index[row]!r}; the Friedman test needs every method in every scenario")
    values = scores.to_numpy(dtype=float)
    ranks = stats.rankdata(-values if higher_is_better else values, method="average", axis=1)
    return pd.DataFrame(ranks, index=scores.index, columns=scores.columns)


@dataclass(frozen=True)
class FriedmanResult:
    """The Friedman test over N blocks (scenarios) and k methods, with the Iman-Davenport F
    statistic and its p-value (Demšar 2006 recommends F over the chi-square, which is conservative)."""

    chi2: float
    iman_davenport_f: float
    p_value: float
    blocks: int
    methods: int


def friedman_test(ranks: pd.DataFrame) -> FriedmanResult:
    """Do the methods' mean ranks differ more than chance would make them? ``ranks`` is the output
    of ``rank_matrix``: one row per scenario, one column per method.

    chi2_F = 12N / (k(k+1)) * (sum_j R_j^2 - k(k+1)^2 / 4), with R_j the mean rank of method j;
    F_F = (N-1) chi2_F / (N(k-1) - chi2_F), F-distributed with (k-1, (k-1)(N-1)) degrees of freedom."""
    blocks, methods = ranks.shape
    if blocks < 2 or methods < 2:
        raise ValueError(f"friedman_test: needs at least 2 scenarios and 2 methods, got {blocks} scenarios "
                         f"and {methods} methods")
    values = ranks.to_numpy(dtype=float)
    # Scores passed by mistake would give a number, just a meaningless one: each row of ranks sums
    # to 1 + 2 + ... + k whatever the ties.
    expected_sum = methods * (methods + 1) / 2
    bad_rows = ~np.isclose(values.sum(axis=1), expected_sum)
    if bad_rows.any():
        raise ValueError(f"friedman_test: scenario {ranks.index[np.argmax(bad_rows)]!r} does not hold ranks "
                         f"1..{methods} (its row does not sum to {expected_sum:g}); pass rank_matrix(scores)")
    mean_ranks = values.mean(axis=0)
    chi2 = 12.0 * blocks / (methods * (methods + 1)) * (np.sum(mean_ranks**2) - methods * (methods + 1) ** 2 / 4)
    # chi2 reaches its maximum N(k-1) when every scenario ranks the methods identically; F_F is then
    # infinite and the p-value zero (float rounding could otherwise give a huge or negative F).
    denominator = blocks * (methods - 1) - chi2
    if denominator <= 1e-9 * blocks * (methods - 1):
        f_statistic, p_value = float("inf"), 0.0
    else:
        f_statistic = (blocks - 1) * chi2 / denominator
        p_value = float(stats.f.sf(f_statistic, methods - 1, (methods - 1) * (blocks - 1)))
    return FriedmanResult(chi2=float(chi2), iman_davenport_f=float(f_statistic), p_value=p_value,
                          blocks=blocks, methods=methods)


def nemenyi_critical_difference(methods: int, blocks: int, alpha: float = 0.05) -> float:
    """The difference of mean ranks beyond which two of ``methods`` methods, ranked over ``blocks``
    scenarios, differ significantly at level ``alpha`` (Nemenyi test, Demšar 2006, section 3.2.2).

    CD = q_alpha * sqrt(k(k+1) / (6N)), where q_alpha is the studentized range quantile for k
    groups and infinite degrees of freedom, divided by sqrt(2) (Demšar's Table 5a)."""
    if methods < 2 or blocks < 1:
        raise ValueError(f"nemenyi_critical_difference: needs at least 2 methods and 1 scenario, got {methods} "
                         f"methods and {blocks} scenarios")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"nemenyi_critical_difference: alpha must lie strictly between 0 and 1, got {alpha}")
    # Infinite degrees of freedom because the ranks' variance is known, not estimated; scipy's
    # studentized_range takes df=inf and evaluates that limit itself.
    q_alpha = stats.studentized_range.ppf(1.0 - alpha, methods, np.inf) / np.sqrt(2.0)
    return float(q_alpha * np.sqrt(methods * (methods + 1) / (6.0 * blocks)))


def cliques(mean_ranks: Mapping[str, float], cd: float) -> list[tuple[str, ...]]:
    """The groups a CD diagram joins with a bar: maximal sets of two or more methods whose mean ranks
    all differ by less than ``cd``, best group first, none contained in another.

    A method whose neighbours all lie at least ``cd`` away forms no group: it gets no bar. Methods are
    ordered by mean rank (then name, so equal ranks order the same way every time)."""
    if not np.isfinite(cd) or cd <= 0:
        raise ValueError(f"cliques: the critical difference must be a positive number, got {cd}")
    ordered = sorted(mean_ranks, key=lambda method: (mean_ranks[method], method))
    ranks = [mean_ranks[method] for method in ordered]
    groups: list[tuple[str, ...]] = []
    previous_end = -1
    # Sorted by rank, a group is a run of neighbours; the run from each method ends at the last one
    # within cd of it. That end never moves left, and a run whose end did not move is inside the
    # previous one.
    for start, rank in enumerate(ranks):
        end = start
        while end + 1 < len(ranks) and ranks[end + 1] - rank < cd:
            end += 1
        if end > previous_end and end > start:
            groups.append(tuple(ordered[start:end + 1]))
        previous_end = max(previous_end, end)
    return groups


def pareto_front(points: Mapping[str, tuple[float, float]]) -> list[str]:
    """Methods no other method beats on both counts, where a lower cost (the first value, e.g.
    parameters or seconds) and a higher accuracy (the second) are better; ordered by cost.

    A method is dominated when another costs no more and is no less accurate, and is strictly better
    on one of the two; equal points therefore do not dominate each other and are both on the front."""
    for method, (cost, accuracy) in points.items():
        if not (np.isfinite(cost) and np.isfinite(accuracy)):
            raise ValueError(f"pareto_front: method {method!r} has a missing or infinite value: "
                             f"cost {cost}, accuracy {accuracy}")

    def dominated(method: str) -> bool:
        cost, accuracy = points[method]
        return any(other_cost <= cost and other_accuracy >= accuracy
                   and (other_cost < cost or other_accuracy > accuracy)
                   for other_cost, other_accuracy in points.values())

    front = [method for method in points if not dominated(method)]
    return sorted(front, key=lambda method: (points[method][0], -points[method][1], method))
