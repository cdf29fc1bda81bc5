"""Shared fixtures: the offline mirror, tiny prepared datasets and isolated repository copies."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MIRROR = REPO.parent / "shared" / "datasets"
_IGNORED_NAMES = shutil.ignore_patterns(
    ".venv", "results", ".snakemake", "__pycache__", ".pytest_cache", "*.egg-info", "test-artifacts", ".git"
)


def _copy_ignore(directory: str, names: list[str]) -> set[str]:
    """Leave generated things behind: results, reports, acquired raw data, the DVC cache."""
    ignored = set(_IGNORED_NAMES(directory, names))
    here = Path(directory)
    if here in (REPO / "reports", REPO / "data" / "raw"):
        ignored |= {n for n in names if (here / n).is_dir()}
    if here == REPO / ".dvc":
        ignored |= {"cache", "tmp"}
    return ignored


@pytest.fixture(autouse=True)
def _single_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _checkpoint_every_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests kill jobs between or inside epochs of a second's training: each epoch must leave its
    resume checkpoint (spawned jobs inherit the variable). test_engine_checkpoints sets its own."""
    monkeypatch.setenv("CROSSMODAL_CHECKPOINT_INTERVAL_S", "0")


def mirror_dir() -> Path | None:
    path = Path(os.environ.get("CROSSMODAL_DATA_MIRROR", DEFAULT_MIRROR))
    return path if (path / "mnist").is_dir() else None


@pytest.fixture
def mirror() -> Path:
    path = mirror_dir()
    if path is None:
        pytest.skip("no offline dataset mirror (set CROSSMODAL_DATA_MIRROR)")
    return path


def copy_repo(dest: Path) -> Path:
    """A throwaway copy of this checkout as its own git repository, so tests never touch ours."""
    shutil.copytree(REPO, dest, ignore=_copy_ignore)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "test copy"]):
        subprocess.run(cmd, cwd=dest, check=True, env=env, capture_output=True)
    return dest
