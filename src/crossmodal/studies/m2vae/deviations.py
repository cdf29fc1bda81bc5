"""The M2VAE study's deviations from the paper, generated from its tables and claims: every cell
the paper prints, with our value, the gap and its likely cause (``gap_notes.yaml``), then the
claims that do not hold or cannot be checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from crossmodal.report.analysis import HOLDS, Claim, Table, fmt
from crossmodal.report.gap_notes import load_gap_notes, note_for, note_for_claim

GAP_NOTES = Path(__file__).with_name("gap_notes.yaml")
NOT_INVESTIGATED = "not investigated yet"


@dataclass(frozen=True)
class Deviation:
    kind: str  # gap (a paper cell), claim
    text: str
    cause: str
    anchor: str  # the in-page id of what it is about


def cell_deviations(table: Table, config_name: str) -> list[Deviation]:
    notes = load_gap_notes(GAP_NOTES)
    found = []
    for row in table.rows:
        for column, cell in zip(table.columns, row["cells"]):
            if cell is None or cell.paper is None:
                continue
            note = note_for(notes, cell.selector, config_name)
            ours = "not run" if cell.mean is None else f"{fmt(cell.mean)} ± {fmt(cell.std)} (n={cell.n})"
            found.append(Deviation("gap", f"{row['title']}, {column['title']}: ours {ours}, paper {fmt(cell.paper)}, "
                                          f"Δ {fmt(cell.delta, True)}", note.cause if note else NOT_INVESTIGATED,
                                   cell.anchor))
    return found


def deviations(tables: Mapping[str, Table], the_claims: Sequence[Claim], config_name: str) -> list[Deviation]:
    notes = load_gap_notes(GAP_NOTES)
    found = cell_deviations(tables["m2table1"], config_name) + cell_deviations(tables["m2check"], config_name)
    for claim in the_claims:
        if claim.verdict != HOLDS:
            note = note_for_claim(notes, claim.key, config_name)
            found.append(Deviation("claim", f"{claim.claim}: {claim.verdict} ({claim.evidence})",
                                   note.cause if note else NOT_INVESTIGATED, claim.anchor))
    return found
