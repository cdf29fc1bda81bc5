"""Gap notes: the likely cause the report shows under a cell that misses the paper. Each note's
evidence exists in the repository; a note shows only while its cell is beyond the tolerance; a gap
without a note says so."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from avae.config import REPO_ROOT
from avae.data.datasets import DATASETS
from avae.metrics import write_metrics
from avae.report.analysis import TABLE1_METHODS, Cell, Deviation, Table, build_tables, claims, deviations, load_metrics
from avae.report.gap_notes import Evidence, GapNote, load_gap_notes, markdown_anchor
from avae.report.html import _repo_href
from avae.report.paper import load_paper_values
from report_fixtures import SETTINGS, synthetic_metrics

TOLERANCE = SETTINGS["report"]["delta_bands"][0]


def _headings(markdown: Path) -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^#+\s+(.*)$", markdown.read_text(), re.M)}


def test_every_shipped_note_names_real_cells_configs_and_evidence() -> None:
    notes = load_gap_notes()
    assert notes
    configs = {p.stem for p in (REPO_ROOT / "config").glob("*.yaml")}
    for note in notes:
        assert set(note.configs) <= configs, note.configs
        for cell in note.cells:
            assert cell["experiment"] in {"table1", "table2", "table3"}
            assert cell.get("method") in {*TABLE1_METHODS, "vae", "classifier", "avae_cascade"}
            assert {cell.get("source"), cell.get("target", "mnist")} <= set(DATASETS)
        for evidence in note.evidence:
            path = REPO_ROOT / evidence.path
            assert path.is_file(), evidence.path
            if evidence.section:
                assert evidence.section in _headings(path), (evidence.path, evidence.section)
        # Measured numbers belong to the evidence and metrics.csv, where a rerun updates them.
        assert not re.search(r"\d\.\d", note.cause), note.cause


def test_markdown_anchors_are_githubs() -> None:
    assert markdown_anchor("AVAE MNIST -> F-MNIST: pullover or shirt, by the evaluator's seed") == (
        "avae-mnist---f-mnist-pullover-or-shirt-by-the-evaluators-seed")
    assert markdown_anchor("lambda_int of the Fashion-MNIST VAE, revisited: the class-prototype check") == (
        "lambda_int-of-the-fashion-mnist-vae-revisited-the-class-prototype-check")
    assert Evidence("docs/a.md", "The A section").target == "docs/a.md#the-a-section"
    assert Evidence("docs/b.md").target == "docs/b.md"


def test_evidence_links_are_relative_to_the_page() -> None:
    page_dir = REPO_ROOT / "reports" / "offline"
    assert _repo_href("docs/model-selection.md#x-y", page_dir) == "../../docs/model-selection.md#x-y"
    assert _repo_href("docs/runs/r/README.md", page_dir) == "../../docs/runs/r/README.md"


def test_a_malformed_note_is_refused_with_its_position(tmp_path: Path) -> None:
    bad = tmp_path / "notes.yaml"
    bad.write_text("- cells: [{experiment: table1, method: avae, column: x}]\n  configs: [offline]\n"
                   "  cause: c\n  evidence: [{path: README.md}]\n")
    with pytest.raises(ValueError, match="note 1: a cell names its experiment and only the keys"):
        load_gap_notes(bad)
    bad.write_text("- cells: [{experiment: table1}]\n  cause: c\n  evidence: [{path: README.md}]\n")
    with pytest.raises(ValueError, match="note 1: a gap note has exactly the keys"):
        load_gap_notes(bad)


def _tables(tmp_path: Path) -> tuple[pd.DataFrame, dict[str, Table]]:
    path = tmp_path / "metrics.csv"
    write_metrics(path, synthetic_metrics())
    metrics = load_metrics(path)
    return metrics, build_tables(metrics, load_paper_values(), SETTINGS)


def _deviations(metrics: pd.DataFrame, tables: dict[str, Table], notes: list[GapNote]) -> list[Deviation]:
    t1, t2, t3 = tables["table1"], tables["table2"], tables["table3"]
    return deviations(t1, t2, t3, claims(metrics, t1, t2, t3), SETTINGS, load_paper_values(), tables["sweeps"], notes)


def test_each_gap_is_followed_by_its_cause_and_a_closed_gap_shows_no_note(tmp_path: Path) -> None:
    metrics, tables = _tables(tmp_path)
    measured = [c for t in ("table1", "table2") for c in tables[t].cells() if not c.substitute and c.delta is not None]
    gaps = [c for c in measured if abs(c.delta) > TOLERANCE]
    close = next(c for c in measured if abs(c.delta) <= TOLERANCE)
    assert len(gaps) >= 2
    evidence = (Evidence("docs/model-selection.md", "Early stopping of the associators"),)
    notes = [GapNote((gaps[0].selector,), ("synthetic",), "the first gap's cause", evidence),
             GapNote((close.selector,), ("synthetic",), "a closed gap's cause", evidence),
             GapNote((gaps[1].selector,), ("another_config",), "another config's cause", evidence)]
    out = _deviations(metrics, tables, notes)
    texts = [d.text for d in out]
    assert "a closed gap's cause" not in texts and "another config's cause" not in texts

    def cause_after_gap(cell: Cell):
        i = next(i for i, d in enumerate(out) if d.kind == "gap" and d.anchor == cell.anchor)
        # A Table 1 gap may carry sweep evidence first; the cause closes the cell's lines.
        return next(d for d in out[i + 1:] if d.kind == "cause")

    first = cause_after_gap(gaps[0])
    assert (first.text, first.anchor) == ("the first gap's cause", gaps[0].anchor)
    assert first.links == (("docs/model-selection.md, “Early stopping of the associators”",
                            "docs/model-selection.md#early-stopping-of-the-associators"),)
    assert cause_after_gap(gaps[1]).text == "not investigated yet"
    assert sum(d.kind == "cause" for d in out) == sum(d.kind == "gap" for d in out) == len(gaps)


def test_a_note_without_a_latent_size_explains_every_size() -> None:
    note = GapNote(({"experiment": "table2", "method": "vae", "source": "gtsrb"},), ("offline",), "c", ())
    for dim in ("64", "256"):
        assert note.explains({"experiment": "table2", "method": "vae", "source": "gtsrb", "latent_dim": dim,
                              "metric": "accuracy"}, "offline")
    assert not note.explains({"experiment": "table2", "method": "classifier", "source": "gtsrb"}, "offline")
    assert not note.explains({"experiment": "table2", "method": "vae", "source": "gtsrb"}, "paper")
