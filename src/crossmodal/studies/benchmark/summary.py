"""What the benchmark tells a user choosing a method, generated from the metrics: no sentence is
written by hand about a result, so a rerun with other numbers says other things."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossmodal.methods import method_title
from crossmodal.report.analysis import Table, dataset_title, fmt
from crossmodal.report.ranking import pareto_front
from crossmodal.studies.benchmark.tables import Ranking, cost_points


def _names(methods: list[str] | tuple[str, ...]) -> str:
    titles = [method_title(m) for m in methods]
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def overall_sentence(result: Ranking) -> str | None:
    if not result.mean_ranks or result.friedman is None or result.critical_difference is None:
        return None
    leader, rank = next(iter(result.mean_ranks.items()))
    close = [m for m, r in result.mean_ranks.items() if m != leader and r - rank < result.critical_difference]
    significant = result.friedman.p_value < result.alpha
    text = (f"With every pair, over {result.friedman.blocks} scenarios, {method_title(leader)} has the best mean rank "
            f"({fmt(rank)} of {len(result.mean_ranks)}). ")
    if not significant:
        return text + (f"The Friedman test does not reject equal ranks (p = {result.friedman.p_value:.2g} ≥ "
                       f"{result.alpha:g}): the scenarios do not separate the methods.")
    if close:
        return text + (f"Within the critical difference ({fmt(result.critical_difference)}) of it, so not "
                       f"distinguishable by rank: {_names(close)}.")
    return text + f"Every other method lies beyond the critical difference ({fmt(result.critical_difference)})."


def scenario_wins(result: Ranking) -> str | None:
    """How many scenarios each method wins outright or ties (its paired interval against the best reaches 0)."""
    if not result.scenarios:
        return None
    wins: dict[str, int] = {}
    for scenario in result.scenarios:
        for row in scenario["rows"]:
            if row.tied_with_best:
                wins[row.method] = wins.get(row.method, 0) + 1
    ordered = sorted(wins.items(), key=lambda item: -item[1])
    parts = [f"{method_title(m)} {n}" for m, n in ordered]
    return (f"Best or statistically tied with the best (paired 95% interval of the difference reaching zero), "
            f"scenarios out of {len(result.scenarios)}: " + "; ".join(parts) + ".")


def few_pairs_sentence(fractions: Table, section: Mapping[str, Any]) -> str | None:
    scenario = section["fraction_scenario"]
    if scenario is None or not fractions.columns:
        return None
    smallest = len(fractions.columns) - 1
    measured = [(row, row["cells"][smallest]) for row in fractions.rows if row["cells"][smallest] is not None]
    if not measured:
        return None
    row, cell = max(measured, key=lambda pair: pair[1].mean)
    fraction = fractions.columns[smallest]["fraction"]
    return (f"With few pairs ({100 * fraction:g}% of {dataset_title(scenario['source'])} → "
            f"{dataset_title(scenario['target'])}'s), {row['title']} is the most accurate ({fmt(cell.mean)}% ± "
            f"{fmt(cell.std)}).")


def cost_sentence(tables: Mapping[str, Table], metric: str, unit: str) -> str | None:
    points = cost_points(tables, metric)
    front = pareto_front(points) if points else []
    if not front:
        return None
    cheapest = min(front, key=lambda m: points[m][0])
    best = max(front, key=lambda m: points[m][1])
    text = (f"By {unit}, the Pareto front (no method both cheaper and more accurate) is {_names(sorted(front, key=lambda m: points[m][0]))}; "
            f"the cheapest on it is {method_title(cheapest)} ({fmt(points[cheapest][0], digits=0)} {unit}, "
            f"{fmt(points[cheapest][1])}%)")
    if best != cheapest:
        text += f", the most accurate {method_title(best)} ({fmt(points[best][0], digits=0)} {unit}, {fmt(points[best][1])}%)"
    return text + "."


def summary(result: Ranking, tables: Mapping[str, Table], section: Mapping[str, Any]) -> list[str]:
    sentences = [overall_sentence(result), scenario_wins(result), few_pairs_sentence(tables["benchfrac"], section),
                 cost_sentence(tables, "trainable_parameters", "trainable parameters"),
                 cost_sentence(tables, "train_seconds", "training seconds")]
    return [s for s in sentences if s]
