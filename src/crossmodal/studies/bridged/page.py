"""The Bridged VAE study's page of the report: the claims, Tables 1, 2 and 4, parameter counts,
label errors, generation from labels, cross-generation and the deviations."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crossmodal.methods import METHODS
from crossmodal.report.embed import SAMPLES
from crossmodal.report.html import PageContext
from crossmodal.studies import StudyPage
from crossmodal.studies.bridged.claims import claims
from crossmodal.studies.bridged.deviations import GAP_NOTES, TOLERANCE_NATS, deviations
from crossmodal.studies.bridged.paper import PAPER_VALUES
from crossmodal.studies.bridged.tables import TABLE_METHODS, build_tables

TEMPLATES = Path(__file__).with_name("templates")
GRID = re.compile(r"bridged-(?P<method>[a-z_]+)-(?P<source>[a-z_]+)-(?P<target>[a-z_]+)-seed(?P<seed>\d+)")


def grids(context: PageContext, first_seed: int) -> list[dict[str, str]]:
    """The first seed's cross-generation grids (Figures 6-7), in the tables' method order."""
    found = []
    for png in sorted((context.report_dir / "figures" / "samples").glob("bridged-*.png")):
        match = GRID.fullmatch(png.stem)
        if match and match["method"] in METHODS and int(match["seed"]) == first_seed:
            found.append((TABLE_METHODS.index(match["method"]) if match["method"] in TABLE_METHODS else len(TABLE_METHODS),
                          context.figure(png, png.stem, SAMPLES)))
    return [figure for _, figure in sorted(found, key=lambda pair: pair[0])]


def render_page(metrics: pd.DataFrame, settings: Mapping[str, Any], context: PageContext) -> StudyPage:
    # The page names this file as the source of its paper values: it sits beside it.
    shutil.copyfile(PAPER_VALUES, context.report_dir / "bridged.paper_values.csv")
    tables = build_tables(metrics, settings)
    the_grids = grids(context, settings["seeds"][0])
    trimodal = "trimodal" in settings.get("bridged", {}).get("settings", {})
    omits = ("Cross-generation grids: their figure data is not in this folder; “make reproduce CONFIG="
             f"{settings['name']} STUDIES=bridged” draws them.",) if trimodal and not the_grids else ()
    the_claims = claims(tables)
    # The page names this file as the source of its causes: it sits beside it.
    shutil.copyfile(GAP_NOTES, context.report_dir / "bridged.gap_notes.yaml")
    html = context.environment(TEMPLATES).get_template("bridged.html").render(
        name=settings["name"], tables=tables, claims=the_claims, deviations=deviations(tables, the_claims, settings),
        tolerance=TOLERANCE_NATS, n_seeds=len(settings["seeds"]), bands=settings["report"]["delta_bands"],
        study=settings.get("bridged", {}), grids=the_grids, omits=omits,
    )
    return StudyPage(html, omits)
