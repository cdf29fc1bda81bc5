"""Atomic writes: a crash or a kill never leaves half a file where a whole one is expected."""

from __future__ import annotations

import json
import os
import pickle
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch


def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp{os.getpid()}")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write through; renamed to ``path`` only if the block succeeds.

    For writers that take a path or a file (numpy, matplotlib); pass the format explicitly where
    the writer would guess it from the temporary name's suffix.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_torch_save(obj: Any, path: Path) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def atomic_write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds more than tensors and plain containers; loading it could run code."""


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file is truncated or not a checkpoint at all."""


def load_weights(path: Path, device: torch.device | str = "cpu") -> Any:
    """Load a checkpoint written by this project; never unpickles arbitrary objects.

    ``weights_only=True`` limits unpickling to tensors and plain Python containers, so a crafted
    or foreign file is refused before any of its code can run.
    """
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeCheckpointError(
            f"{path}: refused to load: not a plain checkpoint of tensors ({_unpickler_reason(exc)}). "
            "Only load checkpoints written by this project; never work around this with weights_only=False."
        ) from exc
    except (RuntimeError, EOFError) as exc:  # torch's words for a truncated or foreign zip container
        raise CorruptCheckpointError(
            f"{path}: not a readable checkpoint ({str(exc) or type(exc).__name__}); "
            "delete it and rerun the job that writes it"
        ) from exc


_UNPICKLER_ERROR = re.compile(r"WeightsUnpickler error:\s*(?P<reason>.*?)(?:\s*Please use `torch\.serialization.*)?$")
# torch's advice lines: retry without the weights-only guard, or allowlist the global. Both are what
# must not be done with an untrusted file, so neither is passed on.
_TORCH_ADVICE = ("Weights only load failed", "Please file an issue", "Check the documentation", "(1) ", "(2) ")


def _unpickler_reason(exc: Exception) -> str:
    """What torch's weights-only unpickler refused (e.g. ``Unsupported global: GLOBAL x.Y ...``),
    without the advice around it."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in lines:
        if match := _UNPICKLER_ERROR.search(line):
            return match["reason"].rstrip(". ") + "."
    reasons = [line for line in lines if not line.startswith(_TORCH_ADVICE) and "weights_only" not in line]
    return reasons[0] if reasons else "it holds Python objects that are not tensors or plain containers"
