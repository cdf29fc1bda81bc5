"""The M2VAE study: Korthals et al., "Deep Generative Models for learning Coherent Latent
Representations from Multi-Modal Data" (M2VAE, ICLR 2019 submission), against tVAE and JMVAE-Zero.

- settings: the config section ``m2vae`` (``schema.json``); workflow: ``plan.py`` and
  ``workflow/rules/m2vae.smk``; jobs: ``jobs.py`` (data, training), ``evaluate.py``, ``figures.py``;
- generated data: ``generate.py`` (MoG, e-MNIST from two CVAEs, me-MNIST);
- paper values: ``paper_values.csv``, read by ``paper.py``; claims: ``claims.py``;
- its report section: ``tables.py``, ``deviations.py`` with ``gap_notes.yaml``, ``page.py`` with
  ``templates/m2vae.html``.
"""

from __future__ import annotations

from typing import Any

from crossmodal.studies import Study, StudyPage

TABLE_CAPTIONS = {
    "m2table1": "M2VAE Table 1: the Eq. 12 ELBO on e-MNIST under each encoder subset, every modality decoded.",
    "m2check": "M2VAE Fig. 2: JMVAE-kl's joint ELBO on e-MNIST and me-MNIST.",
    "m2latentmog": "M2VAE study, MoG: k-NN accuracy (%) per encoder subset and KL from the joint posterior.",
    "m2latentemnist": "M2VAE study, e-MNIST: k-NN accuracy (%), KL from the joint posterior, cross-modal accuracy (%).",
    "m2ambiguity": "M2VAE study, MoG: spread of each ambiguous group's class centroids "
                   "(0: merged, 1: as far apart as the average class).",
    "m2sweep": "M2VAE Fig. 4: the alpha-beta sweep on MoG.",
}


# The Snakefile imports this package on every invocation: pandas, jinja and torch load only when a
# page or a table is drawn.
def build_tables(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from crossmodal.studies.m2vae.tables import build_tables

    return build_tables(*args, **kwargs)


def render_page(*args: Any, **kwargs: Any) -> StudyPage:
    from crossmodal.studies.m2vae.page import render_page

    return render_page(*args, **kwargs)


STUDY = Study(
    name="m2vae",
    title="M2VAE (Korthals et al., ICLR 2019 submission) against tVAE and JMVAE-Zero",
    paper_file="003_cd2fea62982b76bc.txt",
    experiments=("m2vae", "m2vae_sweep"),
    table_captions=TABLE_CAPTIONS,
    build_tables=build_tables,
    render_page=render_page,
)
