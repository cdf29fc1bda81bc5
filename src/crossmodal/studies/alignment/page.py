"""The alignment study's page: what was rebuilt from the abstract, the claims, accuracy and cost
beside AVAE Table 1's methods, the qualitative grids, provenance and the deviations."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crossmodal.paths import parse
from crossmodal.report.analysis import HOLDS
from crossmodal.report.embed import SAMPLES
from crossmodal.report.html import PageContext
from crossmodal.studies import StudyPage
from crossmodal.studies.alignment.claims import claims
from crossmodal.studies.alignment.tables import build_tables

TEMPLATES = Path(__file__).with_name("templates")
# What the rebuild cannot take from the paper: the page lists each as a deviation.
DEVIATIONS = (
    "Rebuilt from the abstract and introduction: the paper's networks, objective weights, training and data "
    "(food images, 3D hand pose) are unknown, so there are no paper numbers to match, only its claim.",
    "VAE1 (modality 1 to modality 2) is AVAE's VAE-CG, VAE2 the target's per-modality VAE, both as the AVAE "
    "study trains them; the paper's own networks are not known.",
    "The 'intermediate distribution, modelled by a further VAE network' is an aligner network from VAE1's "
    "latent space to a Gaussian over VAE2's (AVAE's associator network and budget), trained through VAE2's frozen "
    "decoder with a distance to VAE2's posterior of the paired sample: the closed-form 2-Wasserstein distance "
    "(CMMD's related work describes the method as minimising Wasserstein distances), and the KL as an ablation.",
    "Scenarios are AVAE's Table 1 scenarios of this config, with its substitutes labelled there.",
)


def sample_grids(context: PageContext, methods: list[str]) -> list[dict[str, str]]:
    shown = []
    for png in sorted((context.report_dir / "figures" / "samples").glob("*.png")):
        fields = parse("sample_grid", png)
        if fields is not None and fields["method"] in methods:
            shown.append(context.figure(png, f"{fields['method']}: {fields['source']} → {fields['target']}", SAMPLES))
    return shown


def render_page(metrics: pd.DataFrame, settings: Mapping[str, Any], context: PageContext) -> StudyPage:
    section = settings["alignment"]
    tables = build_tables(metrics, settings)
    the_claims = claims(tables)
    grids = sample_grids(context, list(section["methods"]))
    omits = [] if grids else [f"The qualitative grids: not in this report's folder; “make reproduce "
                              f"CONFIG={settings['name']}” draws them."]
    html = context.environment(TEMPLATES).get_template("alignment.html").render(
        name=settings["name"], tables=tables, claims=the_claims, grids=grids, omits=omits,
        n_seeds=len(settings["seeds"]), section=section, deviations=DEVIATIONS,
        weight=next(iter(section["params"].values()))["weight"],
        claim_deviations=[c for c in the_claims if c.verdict != HOLDS])
    return StudyPage(html, tuple(omits))
