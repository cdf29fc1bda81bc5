"""The Bridged VAE study: Yadav et al., "Bridged Variational Autoencoders for Joint Modeling of
Images and Attributes" (WACV 2020), with the Joint model, a VAE, JMVAE-kl, TELBO, MVAE and BiVCCA.

- settings: the config's ``bridged`` section (``schema.json``); the workflow: ``plan.py`` and
  ``workflow/rules/bridged.smk``; its jobs: ``jobs.py`` (specs in ``specs.py``, data in ``data.py``);
- paper values: ``paper_values.csv`` (paper file, table, row, column of each), read by ``paper.py``;
- claims and their verdict rules: ``claims.py``; its page: ``tables.py``, ``deviations.py``,
  ``page.py`` with ``templates/bridged.html``.
"""

from __future__ import annotations

from typing import Any

from crossmodal.studies import Study, StudyPage

TABLE_CAPTIONS = {
    "bridged1": "Table 1: MNIST test log-likelihood (nats) of the image under q(z|x,y), under q(z|x), and their difference.",
    "bridged2": "Table 2: the same on (a subset of) the MNIST training set.",
    "bridged4": "Table 4: trimodal (F-MNIST + MNIST + label) test log-likelihood of each image, joint and unimodal proposals.",
    "bridgedparameters": "Table 4: trainable parameters of each method, bimodal and trimodal.",
    "bridgedlabels": "Label errors from q(z|x) on the MNIST test images (the analogue of Table 5).",
    "bridgedgeneration": "Images generated from a label: the evaluator's accuracy (%) and their diversity.",
    "bridgedcross": "Trimodal cross-generation between the images through q(z|source) (Figures 6-7), evaluator accuracy (%).",
}


# The Snakefile imports this package on every invocation: pandas and jinja load only when drawing.
def build_tables(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from crossmodal.studies.bridged.tables import build_tables

    return build_tables(*args, **kwargs)


def render_page(*args: Any, **kwargs: Any) -> StudyPage:
    from crossmodal.studies.bridged.page import render_page

    return render_page(*args, **kwargs)


STUDY = Study(
    name="bridged",
    title="Bridged VAE (Yadav et al., WACV 2020) with Joint, VAE, JMVAE-kl, TELBO, MVAE and BiVCCA",
    paper_file="004_4d0f8d5ab6003f90.txt",
    experiments=("bridged_table1", "bridged_table2", "bridged_table4", "bridged_parameters", "bridged_labels",
                 "bridged_generation", "bridged_cross"),
    table_captions=TABLE_CAPTIONS,
    build_tables=build_tables,
    render_page=render_page,
)
