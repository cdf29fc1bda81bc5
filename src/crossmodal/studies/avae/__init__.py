"""The AVAE study: Jo et al., "Cross-modal Variational Auto-encoder with Distributed Latent Spaces
and Associators" (AAAI 2020, arXiv:1905.12867), with its five baselines.

- experiments: the ``metrics.csv`` experiments below;
- paper values: ``paper_values.csv`` (paper file, table, row, column of each), read by ``paper.py``;
- claims and their verdict rules: ``claims.py``;
- its report section: ``tables.py``, ``deviations.py`` with ``gap_notes.yaml``, ``page.py`` with
  ``templates/avae.html``.
"""

from __future__ import annotations

from typing import Any

from crossmodal.studies import Study, StudyPage

TABLE_CAPTIONS = {
    "table1": "Cross-modal association accuracy (%) of the target classifier on generated samples.",
    "table2": "Classifier accuracy (%) on real test data and on VAE reconstructions.",
    "table3": "Cascaded against direct association accuracy (%).",
    "figure5": "Accuracy (%) against the paired fraction.",
    "methods": "Trainable parameters and training seconds per method.",
    "sweeps": "Validation sweeps: a baseline's accuracy (%) on the validation split, one setting varied.",
}


# The Snakefile imports this package (for its rules' plan) on every invocation: the report code,
# pandas and jinja load only when a page or a table is drawn.
def build_tables(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from crossmodal.studies.avae.tables import build_tables

    return build_tables(*args, **kwargs)


def render_page(*args: Any, **kwargs: Any) -> StudyPage:
    from crossmodal.studies.avae.page import render_page

    return render_page(*args, **kwargs)


STUDY = Study(
    name="avae",
    title="Associative VAE (Jo et al., AAAI 2020, arXiv:1905.12867) and its five baselines",
    paper_file="000_853638bde154db42.txt",
    # "sweep" is crossmodal.selection.SWEEP_EXPERIMENT, spelled out: that module loads torch.
    experiments=("table1", "table2", "table3", "figure5", "methods", "sweep"),
    table_captions=TABLE_CAPTIONS,
    build_tables=build_tables,
    render_page=render_page,
)
