"""AVAE's page of the report: the claims checklist, Tables 1-3, Figure 5, the qualitative grids,
the latent spaces, training, methods, validation sweeps, provenance and the deviations."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crossmodal.methods import method_title
from crossmodal.paths import parse
from crossmodal.report.analysis import dataset_title
from crossmodal.report.embed import PANELS, PLOT, SAMPLES
from crossmodal.report.figure_data import paired_examples
from crossmodal.report.html import PageContext
from crossmodal.studies import StudyPage
from crossmodal.studies.avae.claims import claims
from crossmodal.studies.avae.deviations import GAP_NOTES, deviations, substitutions
from crossmodal.studies.avae.paper import PAPER_VALUES, load_paper_values
from crossmodal.studies.avae.tables import TABLE1_METHODS, build_tables

TEMPLATES = Path(__file__).with_name("templates")


def grids_by_scenario(context: PageContext, scenarios: list[dict[str, Any]], suffix: str = "") -> list[dict[str, Any]]:
    """The qualitative grids whose name ends in ``suffix``, grouped by scenario (config order), one
    per method (Table 1 order)."""
    found: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
    for png in sorted((context.report_dir / "figures" / "samples").glob(f"*{suffix}.png")):
        match = parse("sample_grid", png)
        if match and match["method"] in TABLE1_METHODS:
            key = (match["source"], match["target"])
            order = TABLE1_METHODS.index(match["method"])
            found.setdefault(key, []).append((order, context.figure(png, method_title(match["method"]), SAMPLES)))
    return [{"title": f"{dataset_title(s['source'])} → {dataset_title(s['target'])}",
             "figures": [f for _, f in sorted(found.get((s["source"], s["target"]), []), key=lambda x: x[0])]}
            for s in scenarios]


def figure5_pairs(report_dir: Path, settings: Mapping[str, Any], fractions: list[str]) -> dict[str, Any] | None:
    """How many source training examples take part in pairing at each of Figure 5's fractions
    (from ``split_sizes.json``): a fraction means a different number of pairs on each dataset."""
    sizes_path = report_dir / "figure_data" / "run" / "split_sizes.json"
    sweep = settings.get("experiments", {}).get("figure5")
    if not sweep or not sizes_path.exists():
        return None
    sizes = json.loads(sizes_path.read_text()).get(sweep["source"])
    if sizes is None:
        return None
    return {"source": dataset_title(sweep["source"]), "train": sizes["train"],
            "counts": [paired_examples(sizes["train_per_class"], float(f)) for f in fractions]}


def omissions(report_dir: Path, settings: Mapping[str, Any]) -> list[str]:
    """What this page cannot show because its folder does not hold the inputs: a run record kept
    in git (docs/runs/) holds metrics.csv and the small figure inputs only."""
    regenerate = f"“make reproduce CONFIG={settings['name']}” regenerates them"
    omitted = []
    for kind, what in (("samples", "Qualitative grids"), ("latents", "Latent-space figures")):
        if not any((report_dir / "figure_data" / kind).glob("*.npz")) and not any((report_dir / "figures" / kind).glob("*.png")):
            omitted.append(f"{what}: their inputs are not kept in this record; {regenerate}.")
    return omitted


def render_page(metrics: pd.DataFrame, settings: Mapping[str, Any], context: PageContext) -> StudyPage:
    paper = load_paper_values()
    report_dir = context.report_dir
    # The page names these files as its sources: they sit beside it.
    shutil.copyfile(PAPER_VALUES, report_dir / "avae.paper_values.csv")
    shutil.copyfile(GAP_NOTES, report_dir / "avae.gap_notes.yaml")
    tables = build_tables(metrics, settings)
    the_claims = claims(metrics, tables["table1"], tables["table2"], tables["table3"])
    figures = report_dir / "figures"
    # The first seed's grids and latent spaces, as the workflow draws them; files another run of
    # other seeds left in the folder are not this run's.
    first_seed = f"_seed{settings['seeds'][0]}"
    latents = [context.figure(png, png.stem, PLOT) for png in sorted((figures / "latents").glob(f"*{first_seed}.png"))]
    omits = omissions(report_dir, settings)
    html = context.environment(TEMPLATES).get_template("avae.html").render(
        name=settings["name"], tables=tables, claims=the_claims, substitutions=substitutions(settings, paper),
        deviations=deviations(tables["table1"], tables["table2"], tables["table3"], the_claims, settings, paper,
                              tables["sweeps"]),
        figure5=context.figure(figures / "figure5.png", "Figure 5", PLOT),
        training=context.figure(figures / "training.png", "Training curves", PANELS),
        f5_pairs=figure5_pairs(report_dir, settings, [c["fraction"] for c in tables["figure5"].columns]),
        grids=grids_by_scenario(context, settings["scenarios"], first_seed), latents=latents, omits=omits,
        n_seeds=len(settings["seeds"]), bands=settings["report"]["delta_bands"],
    )
    return StudyPage(html, tuple(omits))
