"""The Bridged VAE study's page of the report: the claims, Tables 1, 2 and 4, parameter counts,
label errors, generation from labels, cross-generation and the deviations."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crossmodal.report.html import PageContext
from crossmodal.studies import StudyPage
from crossmodal.studies.bridged.claims import claims
from crossmodal.studies.bridged.deviations import TOLERANCE_NATS, deviations
from crossmodal.studies.bridged.paper import PAPER_VALUES
from crossmodal.studies.bridged.tables import build_tables

TEMPLATES = Path(__file__).with_name("templates")


def render_page(metrics: pd.DataFrame, settings: Mapping[str, Any], context: PageContext) -> StudyPage:
    # The page names this file as the source of its paper values: it sits beside it.
    shutil.copyfile(PAPER_VALUES, context.report_dir / "bridged.paper_values.csv")
    tables = build_tables(metrics, settings)
    html = context.environment(TEMPLATES).get_template("bridged.html").render(
        name=settings["name"], tables=tables, claims=claims(tables), deviations=deviations(tables, settings),
        tolerance=TOLERANCE_NATS, n_seeds=len(settings["seeds"]), bands=settings["report"]["delta_bands"],
        study=settings.get("bridged", {}),
    )
    return StudyPage(html)
