"""Why a cell of ours misses the paper, or a claim of the paper does not hold here, as far as it has
been investigated: curated notes (a study's ``gap_notes.yaml``), each naming the cells or claims it
explains, the configs it was investigated in, and the evidence behind it (files of this
repository, with the section to read).

The report shows a note only beside a cell that is beyond the tolerance or a claim that does not
hold, so a gap that closes drops its note by itself, and a gap with no note says that it is not
investigated yet. Notes quote no measured number: the numbers live in the evidence and in
``metrics.csv``, so a note cannot silently contradict a rerun.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crossmodal.report.analysis import HOLDS, Claim, Table, fmt

# The metrics.csv columns a note's cell may name.
CELL_KEYS = ("experiment", "method", "source", "target", "latent_dim")
_NOTE_KEYS = {"configs", "cause", "evidence"}  # and cells, claims or both


@dataclass(frozen=True)
class Evidence:
    """A file of the repository (path from its root) and, optionally, the heading to read in it."""

    path: str
    section: str = ""

    @property
    def target(self) -> str:
        """``path#anchor``: the anchor GitHub and most Markdown viewers give the heading."""
        return f"{self.path}#{markdown_anchor(self.section)}" if self.section else self.path

    @property
    def label(self) -> str:
        return f"{self.path}, “{self.section}”" if self.section else self.path


@dataclass(frozen=True)
class GapNote:
    cells: tuple[Mapping[str, str], ...]
    configs: tuple[str, ...]
    cause: str
    evidence: tuple[Evidence, ...]
    claims: tuple[str, ...] = ()  # crossmodal.report.analysis.Claim keys of the study

    def explains(self, selector: Mapping[str, str], config_name: str) -> bool:
        """Whether this note is about the cell ``selector`` aggregates, in a run of ``config_name``.
        A note's cell names only the keys that matter, e.g. no latent size for every size."""
        return config_name in self.configs and any(
            all(selector.get(key) == value for key, value in cell.items()) for cell in self.cells)

    def explains_claim(self, key: str, config_name: str) -> bool:
        return config_name in self.configs and key in self.claims


def markdown_anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _note(entry: Mapping[str, Any], where: str) -> GapNote:
    if not isinstance(entry, Mapping) or not _NOTE_KEYS <= set(entry) <= _NOTE_KEYS | {"cells", "claims"}:
        raise ValueError(f"{where}: a gap note has the keys {sorted(_NOTE_KEYS)} and cells, claims or both")
    cells = []
    for cell in entry.get("cells", []):
        unknown = set(cell) - set(CELL_KEYS)
        if unknown or "experiment" not in cell:
            raise ValueError(f"{where}: a cell names its experiment and only the keys {list(CELL_KEYS)}, "
                             f"not {sorted(unknown)}")
        cells.append({key: str(value) for key, value in cell.items()})
    claims = tuple(str(c) for c in entry.get("claims", []))
    evidence = tuple(Evidence(str(e["path"]), str(e.get("section", ""))) for e in entry["evidence"])
    if not (cells or claims) or not evidence or not str(entry["cause"]).strip():
        raise ValueError(f"{where}: a gap note needs cells or claims, a cause and evidence")
    return GapNote(tuple(cells), tuple(str(c) for c in entry["configs"]), " ".join(str(entry["cause"]).split()),
                   evidence, claims)


def load_gap_notes(path: Path) -> list[GapNote]:
    entries = yaml.safe_load(path.read_text()) or []
    return [_note(entry, f"{path.name}, note {i + 1}") for i, entry in enumerate(entries)]


def note_for(notes: Sequence[GapNote], selector: Mapping[str, str], config_name: str) -> GapNote | None:
    return next((note for note in notes if note.explains(selector, config_name)), None)


def note_for_claim(notes: Sequence[GapNote], key: str, config_name: str) -> GapNote | None:
    return next((note for note in notes if note.explains_claim(key, config_name)), None)


NOT_INVESTIGATED = "not investigated yet"


@dataclass(frozen=True)
class Deviation:
    """A paper cell of ours, or a claim that does not hold, and its likely cause."""

    kind: str  # gap (a paper cell), claim
    text: str
    cause: str
    anchor: str  # the in-page id of what it is about


def cell_deviations(notes: Sequence[GapNote], table: Table, config_name: str,
                    tolerance: float | None = None) -> list[Deviation]:
    """Every cell of ``table`` with a paper value (beyond ``tolerance`` of it, when given), with our
    value, the gap and the note that explains it."""
    found = []
    for row in table.rows:
        for column, cell in zip(table.columns, row["cells"]):
            if cell is None or cell.paper is None:
                continue
            if tolerance is not None and (cell.delta is None or abs(cell.delta) <= tolerance):
                continue
            note = note_for(notes, cell.selector, config_name)
            ours = "not run" if cell.mean is None else f"{fmt(cell.mean)} ± {fmt(cell.std)} (n={cell.n})"
            found.append(Deviation("gap", f"{row['title']}, {column['title']}: ours {ours}, paper {fmt(cell.paper)}, "
                                          f"Δ {fmt(cell.delta, True)}", note.cause if note else NOT_INVESTIGATED,
                                   cell.anchor))
    return found


def claim_deviations(notes: Sequence[GapNote], claims: Sequence[Claim], config_name: str) -> list[Deviation]:
    """Every claim that does not hold, with the note that explains it."""
    found = []
    for claim in claims:
        if claim.verdict != HOLDS:
            note = note_for_claim(notes, claim.key, config_name)
            found.append(Deviation("claim", f"{claim.claim}: {claim.verdict} ({claim.evidence})",
                                   note.cause if note else NOT_INVESTIGATED, claim.anchor))
    return found
