"""The AVAE study: Jo et al., "Cross-modal Variational Auto-encoder with Distributed Latent Spaces
and Associators" (AAAI 2020, arXiv:1905.12867), with its five baselines.

- experiments: the ``metrics.csv`` experiments below;
- paper values: ``paper_values.csv`` (paper file, table, row, column of each), read by ``paper.py``;
- claims and their verdict rules: ``claims.py``;
- its report section: ``tables.py``, ``deviations.py`` with ``gap_notes.yaml``, ``page.py`` with
  ``templates/avae.html``.
"""

from __future__ import annotations

from crossmodal.selection import SWEEP_EXPERIMENT
from crossmodal.studies import Study
from crossmodal.studies.avae.page import render_page
from crossmodal.studies.avae.tables import TABLE_CAPTIONS, build_tables

STUDY = Study(
    name="avae",
    title="Associative VAE (Jo et al., AAAI 2020, arXiv:1905.12867) and its five baselines",
    paper_file="000_853638bde154db42.txt",
    experiments=("table1", "table2", "table3", "figure5", "methods", SWEEP_EXPERIMENT),
    table_captions=TABLE_CAPTIONS,
    build_tables=build_tables,
    render_page=render_page,
)
