"""The CMMD study: Mancisidor et al., "Discriminative Multimodal Learning via Conditional Priors in
Generative Models" (arXiv:2110.04616), with M-, VCCA, VCCA-private, MVAE, MMVAE and MoPoE.

- data: two-view noisy MNIST and MNIST-FSDD(-Text), generated from the prepared data (``data.py``);
- jobs: ``jobs.py`` (generation, training), ``evaluation.py`` (metrics), specs in ``specs.py``;
- the workflow: ``plan.py`` (``workflow/rules/cmmd.smk``), settings in ``schema.json``;
- paper values: ``paper_values.csv``; claims, tables, deviations and the page: ``report.py`` with
  ``templates/cmmd.html``.
"""

from __future__ import annotations

from typing import Any

from crossmodal.studies import Study, StudyPage
from crossmodal.studies.cmmd.names import EXPERIMENTS

TABLE_CAPTIONS = {
    "cmmde1": "E1: test error (%) from x_o alone on two-view noisy MNIST (CMMD at the omega chosen on validation).",
    "cmmdomega": "CMMD's omega sweep on two-view noisy MNIST: error (%) from x_o, validation and test.",
    "cmmdcollapse": "Posterior collapse: % of latent dimensions with P_x[KL_i < eps] >= 1 - delta (two-view MNIST, test).",
    "cmmdcross": "Cross-modal accuracy (%) on MNIST-FSDD (the substitute of Table 4's MNIST-SVHN): the partner generated from MNIST.",
    "cmmdlatent": "Latent classification accuracy (%) on MNIST-FSDD-Text (Table 5's MNIST-SVHN-Text substitute), per subset.",
    "cmmdcoherence": "Coherence (%) on MNIST-FSDD-Text (Table 6's MNIST-SVHN-Text substitute), each modality generated from each subset.",
    "cmmdoverhead": "The MMD term's cost: milliseconds per training step against the same model at omega = 1.",
}


# The Snakefile imports this package on every invocation: pandas and jinja load only for the report.
def build_tables(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from crossmodal.studies.cmmd.tables import build_tables

    return build_tables(*args, **kwargs)


def render_page(*args: Any, **kwargs: Any) -> StudyPage:
    from crossmodal.studies.cmmd.page import render_page

    return render_page(*args, **kwargs)


STUDY = Study(
    name="cmmd",
    title="CMMD: conditional priors with an MMD term (Mancisidor et al., arXiv:2110.04616), against M-, VCCA, "
          "VCCA-private, MVAE, MMVAE and MoPoE",
    paper_file="002_c83be825965ea915.txt",
    experiments=tuple(EXPERIMENTS.values()),
    table_captions=TABLE_CAPTIONS,
    build_tables=build_tables,
    render_page=render_page,
)
