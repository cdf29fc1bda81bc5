"""The benchmark: every cross-modal method of the five papers that the package can train, on
AVAE's Table 1 scenarios, with the same networks, evaluator classifiers, test sets, early stopping,
seeds and paired data; ranked per scenario and overall, with paired bootstrap intervals, a
critical-difference diagram, accuracy against cost, and accuracy against the paired fraction. None
of the papers compares its method this way.

- settings: the config section ``benchmark`` (``schema.json``); workflow: ``plan.py`` and
  ``workflow/rules/benchmark.smk`` (AVAE's and the alignment's cells are those studies' files);
- jobs: ``jobs.py`` (the intervals); the page: ``tables.py``, ``summary.py``, ``figures.py``,
  ``page.py`` with ``templates/``; the statistics: ``crossmodal.report.ranking``.
"""

from __future__ import annotations

from typing import Any

from crossmodal.studies import Study, StudyPage

TABLE_CAPTIONS = {
    "benchrank": "The benchmark: the target evaluator's accuracy (%) on generations from the source test set, every "
                 "method at full pairing on every scenario († substitute data).",
    "benchci": "The benchmark: 95% intervals of the accuracies of benchrank, from a paired bootstrap over test "
               "samples within seeds.",
    "benchcost": "The benchmark: trainable parameters and training seconds of each method per scenario.",
    "benchfrac": "The benchmark: accuracy (%) against the fraction of paired training data on the fraction scenario.",
    "benchfraccost": "The benchmark: trainable parameters and training seconds at each paired fraction of the fraction "
                     "scenario.",
}


# The Snakefile imports this package on every invocation: pandas and jinja load only when a page or
# a table is drawn.
def build_tables(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from crossmodal.studies.benchmark.tables import build_tables

    return build_tables(*args, **kwargs)


def render_page(*args: Any, **kwargs: Any) -> StudyPage:
    from crossmodal.studies.benchmark.page import render_page

    return render_page(*args, **kwargs)


def pool_again(*args: Any, **kwargs: Any) -> list[Any]:
    from crossmodal.studies.benchmark.jobs import pool_again

    return pool_again(*args, **kwargs)


STUDY = Study(
    name="benchmark",
    title="One benchmark of every cross-modal method of the five papers (this package's; no paper has it)",
    paper_file="",
    experiments=("benchmark", "benchmark_intervals"),
    table_captions=TABLE_CAPTIONS,
    build_tables=build_tables,
    render_page=render_page,
    # AVAE's cells (Table 1, Figure 5, their cost rows) and the alignment study's.
    reads=("table1", "figure5", "methods", "alignment"),
    pool_again=pool_again,
)
