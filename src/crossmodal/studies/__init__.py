"""The studies: one folder per paper reproduced (``studies/<name>/``), listed by a config's ``studies``."""

from __future__ import annotations

from pathlib import Path


def study_names() -> list[str]:
    """Every study of the package: the folders beside this file."""
    return sorted(p.name for p in Path(__file__).parent.iterdir() if p.is_dir() and not p.name.startswith("_"))
