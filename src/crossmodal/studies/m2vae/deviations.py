"""The M2VAE study's deviations from the paper, generated from its tables and claims: every cell
the paper prints, with our value, the gap and its likely cause (``gap_notes.yaml``), then the
claims that do not hold or cannot be checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from crossmodal.report.analysis import Claim, Table
from crossmodal.report.gap_notes import Deviation, cell_deviations, claim_deviations, load_gap_notes

GAP_NOTES = Path(__file__).with_name("gap_notes.yaml")


def deviations(tables: Mapping[str, Table], the_claims: Sequence[Claim], config_name: str) -> list[Deviation]:
    notes = load_gap_notes(GAP_NOTES)
    return (cell_deviations(notes, tables["m2table1"], config_name) + cell_deviations(notes, tables["m2check"], config_name)
            + claim_deviations(notes, the_claims, config_name))
