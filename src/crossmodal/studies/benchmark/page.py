"""The benchmark's page: what a user should pick (generated), the ranked tables per scenario, the
overall ranking with its critical-difference diagram, accuracy against cost, accuracy against the
paired fraction, which registered methods are not in it yet and why, and provenance."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crossmodal.methods import METHODS, method_title
from crossmodal.report.embed import PANELS, PLOT
from crossmodal.report.html import PageContext
from crossmodal.studies import StudyPage
from crossmodal.studies.benchmark.plan import SECTION, joinable_methods
from crossmodal.studies.benchmark.summary import summary
from crossmodal.studies.benchmark.tables import build_tables, ranking

TEMPLATES = Path(__file__).with_name("templates")
FIGURE_CAPTIONS = {
    "critical_difference": ("Critical-difference diagram: mean rank over the scenarios (1 is best); methods joined by "
                            "a bar are within the Nemenyi critical difference of each other", PLOT),
    "pareto": ("Accuracy against trainable parameters and training seconds, each a mean over the scenarios; outlined "
               "points and the dashed staircase are the Pareto front", PANELS),
    "fractions": ("Accuracy against the fraction of paired training data (mean ± std over seeds)", PLOT),
}
# Parts of other methods, not cross-modal methods of their own (AVAE's associator, its cascades and
# flexible latent sizes, the study's evaluator and e-MNIST generator).
NOT_METHODS = ("classifier", "associator", "avae_cascade", "avae_flex", "cvae")


def not_joined() -> list[dict[str, str]]:
    """The registered cross-modal methods the benchmark does not train, and why: the registry's
    reason (``not_pairwise_because``), else that its study's own recipe alone trains it so far."""
    joinable = joinable_methods()
    return [{"method": name, "title": method_title(name),
             "why": METHODS[name].not_pairwise_because
             or f"trained only by its study's own recipe ({METHODS[name].model.partition(':')[0]}); it joins "
                f"once the one pairwise job can train it (registry entry `pairwise`)"}
            for name in METHODS if name not in joinable and name not in NOT_METHODS]


def figures(context: PageContext) -> list[dict[str, str]]:
    shown = []
    for name, (caption, style) in FIGURE_CAPTIONS.items():
        png = context.report_dir / "figures" / "benchmark" / f"{name}.png"
        if png.exists():
            shown.append(context.figure(png, caption, style))
    return shown


def render_page(metrics: pd.DataFrame, settings: Mapping[str, Any], context: PageContext) -> StudyPage:
    section = settings[SECTION]
    tables = build_tables(metrics, settings)
    result = ranking(metrics, settings, tables)
    drawn = figures(context)
    omits = [] if drawn else [f"The benchmark's figures: not in this report's folder; “make reproduce "
                              f"CONFIG={settings['name']}” draws them."]
    html = context.environment(TEMPLATES).get_template("benchmark.html").render(
        name=settings["name"], section=section, tables=tables, ranking=result, summary=summary(result, tables, section),
        figures={f["name"]: f for f in drawn}, omits=omits, n_seeds=len(settings["seeds"]), not_joined=not_joined(),
        titles={name: method_title(name) for name in METHODS})
    return StudyPage(html, tuple(omits))
