"""Gap notes: the likely cause the report shows under a cell that misses the paper. Each note's
evidence exists in the repository; a note shows only while its cell is beyond the tolerance; a gap
without a note says so."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from crossmodal.config import REPO_ROOT
from crossmodal.data.datasets import DATASETS
from crossmodal.metrics import write_metrics
from crossmodal.report.analysis import (
    HOLDS, TABLE1_METHODS, Cell, Deviation, Table, build_tables, claims, deviations, load_metrics,
)
from crossmodal.report.gap_notes import Evidence, GapNote, load_gap_notes, markdown_anchor
from crossmodal.report.html import _repo_href
from crossmodal.report.paper import load_paper_values
from report_fixtures import SETTINGS, synthetic_metrics

TOLERANCE = SETTINGS["report"]["delta_bands"][0]
METRIC_COLUMNS = ["experiment", "method", "source", "target", "paired_fraction", "latent_dim", "seed", "metric", "value"]


def _headings(markdown: Path) -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^#+\s+(.*)$", markdown.read_text(), re.M)}


def test_every_shipped_note_names_real_cells_configs_and_evidence() -> None:
    notes = load_gap_notes()
    assert notes
    configs = {p.stem for p in (REPO_ROOT / "config").glob("*.yaml")}
    claim_keys = {c.key for c in claims(pd.DataFrame(columns=METRIC_COLUMNS), *_empty_tables())}
    for note in notes:
        assert set(note.configs) <= configs, note.configs
        assert set(note.claims) <= claim_keys, note.claims
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


def _empty_tables() -> list[Table]:
    tables = build_tables(pd.DataFrame(columns=METRIC_COLUMNS), load_paper_values(), SETTINGS)
    return [tables["table1"], tables["table2"], tables["table3"]]


def test_markdown_anchors_are_githubs() -> None:
    assert markdown_anchor("AVAE MNIST -> F-MNIST: pullover or shirt, by the evaluator's seed") == (
        "avae-mnist---f-mnist-pullover-or-shirt-by-the-evaluators-seed")
    assert markdown_anchor("lambda_int of the Fashion-MNIST VAE, revisited: the class-prototype check") == (
        "lambda_int-of-the-fashion-mnist-vae-revisited-the-class-prototype-check")
    assert Evidence("docs/a.md", "The A section").target == "docs/a.md#the-a-section"
    assert Evidence("docs/b.md").target == "docs/b.md"


def test_evidence_links_are_relative_to_the_page() -> None:
    page_dir = REPO_ROOT / "reports" / "offline"
    assert _repo_href("docs/notebook/model-selection.md#x-y", page_dir) == "../../docs/notebook/model-selection.md#x-y"
    assert _repo_href("docs/runs/r/README.md", page_dir) == "../../docs/runs/r/README.md"


def test_a_malformed_note_is_refused_with_its_position(tmp_path: Path) -> None:
    bad = tmp_path / "notes.yaml"
    bad.write_text("- cells: [{experiment: table1, method: avae, column: x}]\n  configs: [offline]\n"
                   "  cause: c\n  evidence: [{path: README.md}]\n")
    with pytest.raises(ValueError, match="note 1: a cell names its experiment and only the keys"):
        load_gap_notes(bad)
    bad.write_text("- cells: [{experiment: table1}]\n  cause: c\n  evidence: [{path: README.md}]\n")
    with pytest.raises(ValueError, match="note 1: a gap note has the keys"):
        load_gap_notes(bad)
    bad.write_text("- configs: [offline]\n  cause: c\n  evidence: [{path: README.md}]\n")
    with pytest.raises(ValueError, match="note 1: a gap note needs cells or claims"):
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
    evidence = (Evidence("docs/notebook/model-selection.md", "Early stopping of the associators"),)
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
    assert first.links == (("docs/notebook/model-selection.md, “Early stopping of the associators”",
                            "docs/notebook/model-selection.md#early-stopping-of-the-associators"),)
    assert cause_after_gap(gaps[1]).text == "not investigated yet"
    gap_anchors = {d.anchor for d in out if d.kind == "gap"}
    assert len(gap_anchors) == len(gaps) and {d.anchor for d in out if d.kind == "cause"} >= gap_anchors


def test_a_note_without_a_latent_size_explains_every_size() -> None:
    note = GapNote(({"experiment": "table2", "method": "vae", "source": "gtsrb"},), ("offline",), "c", ())
    for dim in ("64", "256"):
        assert note.explains({"experiment": "table2", "method": "vae", "source": "gtsrb", "latent_dim": dim,
                              "metric": "accuracy"}, "offline")
    assert not note.explains({"experiment": "table2", "method": "classifier", "source": "gtsrb"}, "offline")
    assert not note.explains({"experiment": "table2", "method": "vae", "source": "gtsrb"}, "paper")


def test_a_claim_that_does_not_hold_carries_its_note_and_one_that_holds_none(tmp_path: Path) -> None:
    metrics, tables = _tables(tmp_path)
    t1, t2, t3 = tables["table1"], tables["table2"], tables["table3"]
    verdicts = {c.key: c for c in claims(metrics, t1, t2, t3)}
    held = next(k for k, c in verdicts.items() if c.verdict == HOLDS)
    evidence = (Evidence("README.md"),)
    # Flip one claim to "does not hold" by keeping only a baseline that beats AVAE everywhere.
    failing = metrics[~((metrics["method"] == "avae") & (metrics["experiment"] == "table1"))].copy()
    rows = metrics[(metrics["method"] == "avae") & (metrics["experiment"] == "table1")].assign(value=1.0)
    failing = pd.concat([failing, rows], ignore_index=True)
    ft = build_tables(failing, load_paper_values(), SETTINGS)
    notes = [GapNote((), ("synthetic",), "why AVAE is not best", evidence, ("avae_best",)),
             GapNote((), ("synthetic",), "a held claim's note", evidence, (held,))]
    out = deviations(ft["table1"], ft["table2"], ft["table3"], claims(failing, ft["table1"], ft["table2"], ft["table3"]),
                     SETTINGS, load_paper_values(), ft["sweeps"], notes)
    i = next(i for i, d in enumerate(out) if d.kind == "claim" and "best in most Table 1 columns" in d.text)
    assert (out[i + 1].kind, out[i + 1].text, out[i + 1].links) == ("cause", "why AVAE is not best", (("README.md", "README.md"),))
    assert "a held claim's note" not in [d.text for d in out]
