"""AVAE's deviations from the paper, generated, never hand-written: cells beyond the tolerance and
the claims that do not hold, grouped by their likely cause (``gap_notes.yaml``: each cause once,
with the cells it covers and its evidence), each gap's validation sweeps, missing cells and
experiments, claims that cannot be checked, and the data substitutions the config makes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmodal.methods import method_title
from crossmodal.report.analysis import FAILS, HOLDS, Claim, Table, dataset_title, delta_bands, fmt
from crossmodal.report.gap_notes import NOT_INVESTIGATED, GapNote, load_gap_notes, note_for, note_for_claim
from crossmodal.studies.avae.paper import PaperValue, is_substitute, paper_dataset
from crossmodal.studies.avae.tables import TABLE1_METHODS, paper_column, sweep_verdict

GAP_NOTES = Path(__file__).with_name("gap_notes.yaml")
# The size of the images the offline mirror holds, where it differs from the official release.
NATIVE_IMAGE_SIZES = {"gtsrb": 32}


@dataclass
class Deviation:
    kind: str  # gap, claim, evidence (a validation sweep), missing, substitute
    text: str
    anchor: str  # the in-page id of what it is about


@dataclass
class CauseGroup:
    """One likely cause, once, with the gaps and failed claims it covers (and their sweeps)."""

    cause: str
    # (label, repository path[#heading anchor]) of the evidence.
    links: tuple[tuple[str, str], ...] = ()
    covers: list[Deviation] = field(default_factory=list)


@dataclass
class Deviations:
    causes: list[CauseGroup]  # in the order of their first gap
    open: list[Deviation]  # missing cells and experiments, claims that cannot be checked, leftover sweeps
    substitutions: list[str]

    def all(self) -> list[Deviation]:
        return [d for group in self.causes for d in group.covers] + self.open


def substitutions(settings: Mapping[str, Any], paper: list[PaperValue]) -> list[str]:
    """The data substitutions, derived from the config: substitute datasets, scenarios standing in
    for a paper scenario (``substitute_for``), resized images, and the paper's datasets not run."""
    notes = []
    datasets = settings["datasets"]
    for name in datasets:
        if is_substitute(name):
            stands_for = paper_dataset(name)
            notes.append(f"{dataset_title(name)} stands in for {dataset_title(stands_for)}: "
                         "its cells show the paper's value as context only, not as a target.")
    stand_ins = [f"{dataset_title(s['source'])} → {dataset_title(s['target'])} for "
                 + " → ".join(dataset_title(part) for part in s["substitute_for"].split("->"))
                 for s in settings["scenarios"] if s.get("substitute_for")]
    if stand_ins:
        notes.append("Scenarios standing in for the paper's (their paper values are context only): "
                     + "; ".join(stand_ins) + ".")
    for name in datasets:
        native = NATIVE_IMAGE_SIZES.get(name)
        size = settings.get("dataset_options", {}).get(name, {}).get("image_size")
        if native and size and int(size) != native:
            notes.append(f"{dataset_title(name)}: the data's images are {native}×{native} and are resampled to "
                         f"{size}×{size} (config datasets.{name}.image_size).")
    ours = {paper_dataset(d) for d in datasets}
    missing = sorted({v.source for v in paper if v.source} - ours)
    if missing:
        names = ", ".join(dataset_title(m) for m in missing)
        notes.append(f"Not run here: {names} (not in this config's data), so their paper cells have no value of ours.")
    return notes


class _Grouper:
    """Collects deviations under their cause, each cause once, in the order of first appearance."""

    def __init__(self) -> None:
        self.groups: dict[int | None, CauseGroup] = {}

    def add(self, note: GapNote | None, *lines: Deviation) -> None:
        key = None if note is None else id(note)
        if key not in self.groups:
            self.groups[key] = (CauseGroup(NOT_INVESTIGATED) if note is None else
                                CauseGroup(note.cause, tuple((e.label, e.target) for e in note.evidence)))
        self.groups[key].covers.extend(lines)

    def causes(self) -> list[CauseGroup]:
        # "Not investigated yet" last: the explained gaps first.
        return sorted(self.groups.values(), key=lambda g: g.cause == NOT_INVESTIGATED)


def deviations(t1: Table, t2: Table, t3: Table, the_claims: list[Claim], settings: Mapping[str, Any],
               paper: list[PaperValue], sweeps: Table | None = None,
               notes: Sequence[GapNote] | None = None) -> Deviations:
    """Every deviation of the run from the paper. ``notes``: the gap notes (AVAE's by default)."""
    notes = load_gap_notes(GAP_NOTES) if notes is None else notes
    tolerance = delta_bands(settings)[0]
    grouper, open_lines = _Grouper(), []
    # Each sweep's verdict follows the gap of the Table 1 cell it is evidence for (else it goes last).
    evidence = _sweep_evidence(sweeps)
    for table, label in ((t2, "Table 2"), (t1, "Table 1"), (t3, "Table 3")):
        for row in table.rows:
            for col, cell in zip(table.columns, row["cells"]):
                if cell is None:
                    continue
                where = f"{label}, {row['title']}" + (f", {col['title']}" if table is not t3 else f", {col['title'].lower()}")
                if cell.n == 0:
                    open_lines.append(Deviation("missing", f"{where}: no row in metrics.csv", cell.anchor))
                elif cell.delta is not None and not cell.substitute and abs(cell.delta) > tolerance:
                    gap = Deviation("gap", f"{where}: ours {fmt(cell.mean)} vs paper {fmt(cell.paper)} "
                                           f"(Δ {cell.delta:+.2f}, beyond ±{tolerance:g})", cell.anchor)
                    sweep_lines = []
                    if table is t1:
                        key = (cell.selector.get("method"), cell.selector.get("source"), cell.selector.get("target"))
                        sweep_lines = evidence.pop(key, [])
                    grouper.add(note_for(notes, cell.selector, settings["name"]), gap, *sweep_lines)
    ran = {(paper_dataset(s["source"]), paper_dataset(s["target"])) for s in settings["scenarios"]}
    present = {row["method"] for row in t1.rows}
    for v in paper:
        if v.experiment == "table1" and (v.source, v.target) not in ran and v.method == "avae":
            open_lines.append(Deviation("missing", f"Table 1 column {paper_column(v.source, v.target)}: "
                                                   "not run in this config", "table1"))
    for method in TABLE1_METHODS:
        if method not in present and method != "avae_flex":
            open_lines.append(Deviation("missing", f"Table 1 row {method_title(method)}: no rows in metrics.csv yet", "table1"))
    for c in the_claims:
        line = Deviation("claim", f"Claim “{c.claim}”: {c.verdict} ({c.evidence})", c.anchor)
        if c.verdict == FAILS:
            grouper.add(note_for_claim(notes, c.key, settings["name"]), line)
        elif c.verdict != HOLDS:
            open_lines.append(line)
    open_lines.extend(d for lines in evidence.values() for d in lines)
    return Deviations(grouper.causes(), open_lines, substitutions(settings, paper))


def _sweep_evidence(sweeps: Table | None) -> dict[tuple[str, str, str], list[Deviation]]:
    """Each sweep's verdict as a deviation line, keyed by the (method, source, target) it is about."""
    by_sweep: dict[str, list[dict[str, Any]]] = {}
    for row in (sweeps.rows if sweeps else []):
        by_sweep.setdefault(row["sweep"], []).append(row)
    out: dict[tuple[str, str, str], list[Deviation]] = {}
    for anchor, rows in by_sweep.items():
        first = rows[0]
        out.setdefault(first["key"], []).append(Deviation(
            "evidence", f"{first['method']}, {first['scenario']}: validation sweep of {first['param']}, "
                        f"{sweep_verdict(rows)}", anchor))
    return out
