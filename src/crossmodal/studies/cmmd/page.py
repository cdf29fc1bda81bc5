"""The CMMD study's page of the report: the claims, E1 and its omega sweep, posterior collapse,
cross-modal accuracy, latent classification, coherence, the MMD term's overhead, training,
provenance and the deviations."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crossmodal.report.embed import PANELS, PLOT
from crossmodal.report.html import PageContext
from crossmodal.studies import StudyPage
from crossmodal.studies.cmmd.report import DEVIATIONS, SUBSTITUTIONS, claims, shrinks
from crossmodal.studies.cmmd.tables import PAPER_VALUES, build_tables, chosen_omega

TEMPLATES = Path(__file__).with_name("templates")


def render_page(metrics: pd.DataFrame, settings: Mapping[str, Any], context: PageContext) -> StudyPage:
    report_dir = context.report_dir
    # The page names this file as its source: it sits beside it.
    shutil.copyfile(PAPER_VALUES, report_dir / "cmmd.paper_values.csv")
    tables = build_tables(metrics, settings)
    chosen = chosen_omega(metrics)
    collapse_png = report_dir / "figures" / "cmmd" / "collapse.png"
    omits = [] if collapse_png.exists() else [
        f"The collapse figure: its PNG is not in this folder; “make reproduce CONFIG={settings['name']}” draws it."]
    training_png = report_dir / "figures" / "training.png"
    html = context.environment(TEMPLATES).get_template("cmmd.html").render(
        name=settings["name"], tables=tables, claims=claims(tables, chosen), chosen=chosen,
        substitutions=SUBSTITUTIONS, deviations=DEVIATIONS, shrinks=shrinks(settings["cmmd"]),
        collapse=context.figure(collapse_png, "Posterior collapse", PLOT) if collapse_png.exists() else None,
        training=context.figure(training_png, "Training curves", PANELS) if training_png.exists() else None,
        omits=omits, n_seeds=len(settings["seeds"]), section=settings["cmmd"])
    return StudyPage(html, tuple(omits))
