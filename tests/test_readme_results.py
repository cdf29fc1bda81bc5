"""The README's "Results" table quotes a committed run record: every "mean ± std" in it must be one
that the record's metrics.csv gives, so that hand-edited or half-regenerated tables are caught."""

from __future__ import annotations

import re

import pandas as pd

from conftest import REPO

README = REPO / "README.md"
MEAN_STD = re.compile(r"(\d+\.\d\d) ± (\d+\.\d\d)")


def results_section() -> str:
    text = README.read_text()
    start = text.index("\n## Results\n")
    return text[start:text.index("\n## ", start + 1)]


def quoted_record() -> str:
    """The run folder the section names for its numbers: its metrics.csv link."""
    links = set(re.findall(r"\((docs/runs/[^)/]+)/metrics\.csv\)", results_section()))
    assert len(links) == 1, f"the Results section must name one record's metrics.csv, found {sorted(links)}"
    return links.pop()


def test_every_number_in_the_readme_results_is_the_records() -> None:
    metrics = pd.read_csv(REPO / quoted_record() / "metrics.csv")
    cells = metrics.groupby([c for c in metrics.columns if c not in ("seed", "value")], dropna=False)["value"]
    known = {f"{mean:.2f} ± {std:.2f}" for mean, std in zip(cells.mean(), cells.std(ddof=1))}
    quoted = [f"{mean} ± {std}" for mean, std in MEAN_STD.findall(results_section())]
    rows = [line for line in results_section().splitlines() if line.startswith("| ") and "±" in line]
    assert len(rows) >= 10, "the Results table has lost its rows"
    assert [q for q in quoted if q not in known] == []
