"""The README's results tables quote a committed run record. Every cell is checked against the
record by its row and column: the mean ± std over seeds of exactly the metrics.csv rows that the
cell's row and column select, and the paper's value for that cell, computed here from the CSV files
with pandas, independently of the generator. The README's block must also be the generator's output,
so a table edited by hand, or left behind by a newer record, fails."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO
from crossmodal.methods import method_title
from crossmodal.report.gap_notes import markdown_anchor
from crossmodal.report.paper import PAPER_VALUES
from crossmodal.report.readme_results import AVAE_TABLES, BEGIN, END, ResultsTable, render

README = REPO / "README.md"
RECORD_LINK = re.compile(r"\[(docs/runs/[^/\]]+)/metrics\.csv\]")
CELL = re.compile(r"^(\*\*)?(–|[\d.]+(?: ± [\d.]+)?)(?:\*\*)?(?: \(([\d.]+)\))?$")
# The datasets this project uses in place of the paper's (FSDD for Google Speech Commands).
PAPER_DATASET = {"fsdd": "gsc"}


def readme_block(text: str) -> str:
    assert text.count(BEGIN) == 1 and text.count(END) == 1, "the README must hold one generated results block"
    return text[text.index(BEGIN):text.index(END) + len(END)]


def quoted_record(block: str) -> str:
    records = set(RECORD_LINK.findall(block))
    assert len(records) == 1, f"the results block must name one record's metrics.csv, found {sorted(records)}"
    return records.pop()


def markdown_table(block: str, title: str) -> list[list[str]]:
    """The rows (header first, separator dropped) of the Markdown table under ``**title**``."""
    lines = block.splitlines()
    start = lines.index(f"**{title}**")
    table = []
    for line in lines[start + 1:]:
        if not line.strip() and not table:
            continue
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return [table[0], *table[2:]]


def expected_cell(metrics: pd.DataFrame, paper: pd.DataFrame, selector: Mapping[str, str]) -> tuple[str, float, str]:
    """Ours as "mean ± std" over seeds, its mean, and the paper's value ("" where it has none)."""
    rows = metrics
    for key, value in selector.items():
        rows = rows[rows[key] == value]
    if rows.empty:
        return "–", float("nan"), ""
    assert rows["seed"].is_unique, f"{dict(selector)} selects more than one row per seed"
    values = rows["value"].astype(float)
    ours = f"{values.mean():.2f}" if len(values) == 1 else f"{values.mean():.2f} ± {values.std(ddof=1):.2f}"
    reported = paper[(paper["experiment"] == selector.get("experiment")) & (paper["method"] == selector.get("method"))]
    for key in ("source", "target", "latent_dim"):
        if key in selector:
            reported = reported[reported[key] == PAPER_DATASET.get(selector[key], selector[key])]
    return ours, float(values.mean()), f"{float(reported['value'].iloc[0]):.2f}" if len(reported) else ""


def mismatches(block: str, tables: tuple[ResultsTable, ...] = AVAE_TABLES) -> list[str]:
    """Every cell of the README's tables that is not the record's value for its row and column."""
    metrics = pd.read_csv(REPO / quoted_record(block) / "metrics.csv", dtype=str, keep_default_na=False)
    paper = pd.read_csv(PAPER_VALUES, dtype=str, keep_default_na=False)
    wrong = []
    for table in tables:
        header, *body = markdown_table(block, table.title)
        assert header == [table.corner, *(c.label for c in table.columns)], (table.title, header)
        assert [r[0] for r in body] == [r.label for r in table.rows], (table.title, [r[0] for r in body])
        expected = [[expected_cell(metrics, paper, table.selector(row, column)) for column in table.columns]
                    for row in table.rows]
        column_best = [max((e[j][1] for e in expected if e[j][0] != "–"), default=None)
                       for j in range(len(table.columns))]
        for row, quoted_row, expected_row in zip(table.rows, body, expected):
            for j, (column, quoted) in enumerate(zip(table.columns, quoted_row[1:])):
                match = CELL.match(quoted)
                assert match, f"{table.title}: cannot read the cell {quoted!r}"
                bold, ours, reported = bool(match.group(1)), match.group(2), match.group(3) or ""
                want_ours, mean, want_reported = expected_row[j]
                want_bold = table.bold_best and ours != "–" and mean == column_best[j]
                if (ours, reported, bold) != (want_ours, want_reported if ours != "–" else "", want_bold):
                    wrong.append(f"{table.title} | {row.label} x {column.label}: README {quoted!r}, "
                                 f"record {want_ours} (paper {want_reported or 'none'}, bold {want_bold})")
    return wrong


def test_every_cell_is_the_records_value_for_its_row_and_column() -> None:
    block = readme_block(README.read_text())
    assert mismatches(block) == []
    table1 = markdown_table(block, AVAE_TABLES[0].title)
    assert sum(cell != "–" for row in table1[1:] for cell in row[1:]) >= 40, "Table 1 has lost its cells"


def test_the_readme_table_is_the_generators_output() -> None:
    block = readme_block(README.read_text())
    assert block == render(REPO / quoted_record(block), README.parent), (
        "the README's results block is stale: python -m crossmodal.report.readme_results "
        f"--record {quoted_record(block)} --write")


# Labels the registry does not give: what each must select.
NAMED_LABELS = {"AVAE, direct": {"method": "avae"}, "AVAE, via F-MNIST": {"method": "avae_cascade"},
                "VAE (z = 64)": {"method": "vae", "latent_dim": "64"}}
DATASET_LABELS = {"mnist": "MNIST", "fashion_mnist": "F-MNIST", "gtsrb": "GTSRB", "fsdd": "FSDD†"}


def test_each_row_and_column_label_names_what_it_selects() -> None:
    """The cell checks trust the tables' selectors; here each label is checked against its selector."""
    for table in AVAE_TABLES:
        for axis in (*table.rows, *table.columns):
            selector = dict(axis.selector)
            if axis.label in NAMED_LABELS:
                assert NAMED_LABELS[axis.label].items() <= selector.items(), (table.title, axis)
            elif "method" in selector:
                assert axis.label == method_title(selector["method"]), (table.title, axis)
            elif "target" in selector:
                assert axis.label == f"{DATASET_LABELS[selector['source']]} -> {DATASET_LABELS[selector['target']]}"
            elif "source" in selector:
                assert axis.label == DATASET_LABELS[selector["source"]], (table.title, axis)
            else:
                assert axis.label == f"{round(float(selector['paired_fraction']) * 100)}%", (table.title, axis)


def _swap(block: str, table: ResultsTable, first: tuple[int, int], second: tuple[int, int]) -> str:
    """The block with two cells of one table exchanged; (row, column) count body rows and data columns."""
    lines = block.splitlines()
    start = lines.index(f"**{table.title}**") + 4  # title, blank, header, separator
    (r1, c1), (r2, c2) = first, second
    cells = {r: lines[start + r].strip("|").split("|") for r in {r1, r2}}
    cells[r1][c1 + 1], cells[r2][c2 + 1] = cells[r2][c2 + 1], cells[r1][c1 + 1]
    for r, row in cells.items():
        lines[start + r] = "|" + "|".join(row) + "|"
    return "\n".join(lines)


@pytest.mark.parametrize("first, second", [((5, 0), (2, 0)),  # AVAE and JMVAE, one scenario
                                           ((5, 0), (5, 1)),  # AVAE, two scenarios
                                           ((0, 2), (4, 7))])  # two methods and two scenarios
def test_a_cell_swapped_with_another_of_its_table_is_caught(first: tuple[int, int], second: tuple[int, int]) -> None:
    block = readme_block(README.read_text())
    swapped = _swap(block, AVAE_TABLES[0], first, second)
    assert swapped != block
    assert len(mismatches(swapped)) == 2


def _markdown_files() -> list[Path]:
    docs = sorted((REPO / "docs").glob("*.md")) + sorted((REPO / "docs" / "notebook").glob("*.md"))
    return [README, REPO / "CONTRIBUTING.md", *docs, *sorted((REPO / "docs" / "runs").glob("*/README.md"))]


def test_every_relative_link_in_the_readme_and_the_docs_resolves() -> None:
    """Files moved between docs/ and docs/notebook/ leave no dangling link or anchor behind."""
    broken = []
    for page in _markdown_files():
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path) if path else page
            if not linked.exists():
                broken.append(f"{page.relative_to(REPO)}: {target}")
            elif anchor and linked.is_file():
                headings = re.findall(r"^#+\s+(.*)$", linked.read_text(), re.M)
                if anchor not in {markdown_anchor(h) for h in headings}:
                    broken.append(f"{page.relative_to(REPO)}: {target} (no such heading)")
    assert broken == []
