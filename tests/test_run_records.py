"""Run records kept in git (docs/runs/) stay small: every one adds its bytes to the history for
good. A record holds metrics.csv, run.json, its README and the small inputs its page needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO

RECORDS = sorted(p for p in (REPO / "docs" / "runs").iterdir() if p.is_dir())
MAX_BYTES = 2_000_000


def test_there_are_records_to_check() -> None:
    assert RECORDS


@pytest.mark.parametrize("record", RECORDS, ids=[p.name for p in RECORDS])
def test_a_record_is_at_most_2_mb(record: Path) -> None:
    size = sum(f.stat().st_size for f in record.rglob("*") if f.is_file())
    assert size <= MAX_BYTES, f"{record.name} holds {size / 1e6:.1f} MB; keep larger figure inputs out of git"
