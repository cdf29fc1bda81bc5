"""No half-written file, whatever the writer: every output goes through a temporary name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crossmodal.io import atomic_path
from faults.faultkit import files_under

pytestmark = pytest.mark.faults


class DiskFullAfter:
    """A file object that accepts ``limit`` bytes and then fails as a full disk would."""

    def __init__(self, fh, limit: int) -> None:
        self.fh, self.limit, self.written = fh, limit, 0

    def write(self, data: bytes) -> int:
        if self.written + len(data) > self.limit:
            self.fh.write(bytes(data)[: self.limit - self.written])
            raise OSError(28, "No space left on device")
        self.written += len(data)
        return self.fh.write(data)

    def __getattr__(self, name: str):
        return getattr(self.fh, name)


def test_a_writer_failing_midway_leaves_the_previous_file_and_no_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "figure_data" / "grid.npz"
    out.parent.mkdir()
    out.write_bytes(b"previous complete file")

    with pytest.raises(OSError, match="No space left on device"):
        with atomic_path(out) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(DiskFullAfter(fh, 100), x=np.random.default_rng(0).random(10_000))

    assert out.read_bytes() == b"previous complete file"
    assert files_under(out.parent) == ["grid.npz"]
