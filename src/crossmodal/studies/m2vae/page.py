"""The M2VAE study's page of the report: the claims, Table 1 with the paper's scale, the dataset
check, the latent-space measures, the sweep, the figures, provenance and the deviations."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crossmodal.report.embed import PLOT
from crossmodal.report.html import PageContext
from crossmodal.studies import StudyPage
from crossmodal.studies.m2vae.claims import COLLAPSE_POINTS, claims
from crossmodal.studies.m2vae.deviations import GAP_NOTES, deviations
from crossmodal.studies.m2vae.paper import PAPER_VALUES, paper_values
from crossmodal.studies.m2vae.plan import figure_names
from crossmodal.studies.m2vae.tables import REDUCTIONS, build_tables, scales

TEMPLATES = Path(__file__).with_name("templates")
FIGURE_CAPTIONS = {"data": "The generated data (Fig. 3 for MoG)", "latents": "Latent spaces per encoder subset",
                   "sweep": "M2VAE's alpha-beta sweep on MoG (Fig. 4)", "check": "JMVAE-kl on e-MNIST and me-MNIST (Fig. 2)"}


def figures(context: PageContext, methods: list[str]) -> tuple[list[dict[str, str]], list[str]]:
    """The study's figures present in the report folder, and the names of those that are not."""
    shown, missing = [], []
    for name in figure_names(methods):
        png = context.report_dir / "figures" / "m2vae" / f"{name}.png"
        if png.exists():
            shown.append(context.figure(png, f"{FIGURE_CAPTIONS[name.partition('_')[0]]}: {name}", PLOT))
        else:
            missing.append(name)
    return shown, missing


def render_page(metrics: pd.DataFrame, settings: Mapping[str, Any], context: PageContext) -> StudyPage:
    report_dir = context.report_dir
    # The page names these files as its sources: they sit beside it.
    shutil.copyfile(PAPER_VALUES, report_dir / "m2vae.paper_values.csv")
    shutil.copyfile(GAP_NOTES, report_dir / "m2vae.gap_notes.yaml")
    tables = build_tables(metrics, settings)
    the_scales = scales(metrics, paper_values())
    the_claims = claims(tables, the_scales)
    shown, missing = figures(context, list(settings["m2vae"]["methods"]))
    omits = [f"Figures {', '.join(missing)}: not in this report's folder; “make reproduce CONFIG={settings['name']}” "
             "draws them."] if missing else []
    html = context.environment(TEMPLATES).get_template("m2vae.html").render(
        name=settings["name"], tables=tables, claims=the_claims, scales=the_scales, reductions=REDUCTIONS,
        deviations=deviations(tables, the_claims, settings["name"]), figures=shown, omits=omits,
        n_seeds=len(settings["seeds"]), study=settings["m2vae"], collapse_points=COLLAPSE_POINTS)
    return StudyPage(html, tuple(omits))
