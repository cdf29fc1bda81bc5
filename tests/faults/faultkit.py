"""Tools of the fault-injection suite: crafted archives and inputs, repository copies, subprocesses.

Everything here builds the *faulty* thing a test feeds to the real code; nothing replaces the
code under test.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
FSDD_PREFIX = "free-spoken-digit-dataset-1.0.10"


# --- what a directory holds ----------------------------------------------------------------------


def files_under(root: Path) -> list[str]:
    """Every file and link below ``root`` (hidden ones included), as sorted relative paths."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())


# --- crafted inputs ------------------------------------------------------------------------------


def wav_bytes(seconds: float = 0.05, rate: int = 8000, frequency: float = 440.0) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    out = io.BytesIO()
    soundfile.write(out, (0.3 * np.sin(2 * np.pi * frequency * t)).astype(np.float32), rate, format="WAV")
    return out.getvalue()


@dataclass(frozen=True)
class Member:
    """One archive member: a file (``data``), or a symbolic/hard link to ``link``."""

    name: str
    data: bytes = b""
    link: str | None = None
    hard: bool = False


def make_tar(path: Path, members: Iterable[Member]) -> Path:
    """A gzipped tar holding exactly ``members``, names and link targets unchecked (as an attacker would)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.mtime = 0
            if m.link is not None:
                info.type = tarfile.LNKTYPE if m.hard else tarfile.SYMTYPE
                info.linkname = m.link
                tar.addfile(info)
            else:
                info.size = len(m.data)
                tar.addfile(info, io.BytesIO(m.data))
    return path


def make_zip(path: Path, members: Iterable[Member]) -> Path:
    """A zip holding exactly ``members``; links become Unix symlink entries (mode S_IFLNK)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for m in members:
            info = zipfile.ZipInfo(m.name, date_time=(1980, 1, 1, 0, 0, 0))
            if m.link is not None:
                info.create_system = 3  # Unix, so that external_attr carries a file mode
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, m.link)
            else:
                zf.writestr(info, m.data)
    return path


def fsdd_recordings(test_per_class: int = 2, train_per_class: int = 4) -> list[Member]:
    """Valid FSDD members for every digit: indices 0.. (test) and 5.. (train), as in the official tag."""
    members = []
    for digit in range(10):
        for index in [*range(test_per_class), *range(5, 5 + train_per_class)]:
            name = f"{FSDD_PREFIX}/recordings/{digit}_jackson_{index}.wav"
            members.append(Member(name, wav_bytes(frequency=200.0 + 50 * digit + index)))
    return members


def idx_gz(path: Path, magic: int, dims: tuple[int, ...], payload: bytes) -> Path:
    """A gzipped IDX file with the given header, whatever the payload (so it can lie)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    path.write_bytes(gzip.compress(header + payload, mtime=0))
    return path


def write_mnist_like(raw: Path, n_train: int = 20, n_test: int = 10, images_train: Callable[[Path], None] | None = None) -> None:
    """Four valid MNIST-format IDX files (random 28x28 digits); ``images_train`` may replace one."""
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        idx_gz(raw / f"{prefix}-labels-idx1-ubyte.gz", 2049, (n,), labels.tobytes())
        idx_gz(raw / f"{prefix}-images-idx3-ubyte.gz", 2051, (n, 28, 28), images.tobytes())
    if images_train is not None:
        images_train(raw / "train-images-idx3-ubyte.gz")


# --- subprocesses --------------------------------------------------------------------------------


def job_env(**extra: str) -> dict[str, str]:
    """Environment of a spawned job: this checkout's src first, the venv's tools, one thread."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT / "src"), env.get("PYTHONPATH")) if p)
    env["PATH"] = os.pathsep.join((str(Path(PYTHON).parent), env.get("PATH", "")))
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def avae_cli(*args: str | Path) -> list[str]:
    return [PYTHON, "-m", "crossmodal", "--threads", "1", *map(str, args)]


def wait_for(condition: Callable[[], bool], timeout: float, what: str, process: subprocess.Popen | None = None) -> None:
    """Poll ``condition`` (bounded); fail with ``what`` if it never holds or ``process`` ends first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"process ended (rc {process.returncode}) before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def prepare_past_verification(dataset: str, raw_dir: Path, options: dict, out: Path) -> dict:
    """The preparation job's reading step alone, past its verification of the raw bytes.

    The job (``crossmodal.jobs.prepare``) refuses any file that is not the verified one before
    reading it (tests/faults/test_fault_raw_data.py), so crafted and corrupt files in the official
    formats never reach a reader there. The readers keep their own defences all the same (another
    caller, or a file that verification accepts, must not get past them): these tests call them here.
    """
    from crossmodal.data.datasets import dataset_info
    from crossmodal.data.prepare import prepare_dataset

    return prepare_dataset(dataset_info(dataset), raw_dir / dataset, options, out)
