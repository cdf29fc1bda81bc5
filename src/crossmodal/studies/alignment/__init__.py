"""The alignment study: Theodoridis et al., "Cross-modal Variational Alignment of Latent Spaces"
(CVPR Workshops 2020), rebuilt from its abstract (the rest of the paper did not survive, and no
code exists), against the AVAE study's VAE-CG and CVA on AVAE's Table 1 scenarios.

- the method: ``crossmodal.models.alignment``, its objective ``objectives.alignment_loss``;
- settings: the config section ``alignment`` (``schema.json``); workflow: ``plan.py`` and
  ``workflow/rules/alignment.smk`` (VAE1 and VAE2 are the AVAE study's models, made by its rules);
- jobs: ``jobs.py``; the page: ``tables.py``, ``claims.py``, ``page.py`` with ``templates/``.
"""

from __future__ import annotations

from typing import Any

from crossmodal.studies import Study, StudyPage

TABLE_CAPTIONS = {
    "aligntable": "Cross-modal Variational Alignment: the target evaluator's accuracy (%) on generations from the "
                  "source test set, beside AVAE Table 1's methods.",
    "aligncost": "Cross-modal Variational Alignment: trainable parameters and training seconds per scenario "
                 "(the alignment counts VAE1, VAE2 and the aligner).",
}


# The Snakefile imports this package on every invocation: pandas and jinja load only when a page or
# a table is drawn.
def build_tables(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from crossmodal.studies.alignment.tables import build_tables

    return build_tables(*args, **kwargs)


def render_page(*args: Any, **kwargs: Any) -> StudyPage:
    from crossmodal.studies.alignment.page import render_page

    return render_page(*args, **kwargs)


STUDY = Study(
    name="alignment",
    title="Cross-modal Variational Alignment (Theodoridis et al., CVPR-W 2020), rebuilt from the abstract",
    paper_file="001_a900ff5da4120259.txt",
    experiments=("alignment",),
    table_captions=TABLE_CAPTIONS,
    build_tables=build_tables,
    render_page=render_page,
    # Its comparisons are the AVAE study's Table 1 rows and their cost rows.
    reads=("table1", "methods"),
)
