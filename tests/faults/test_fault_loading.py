"""Item 8 of the reliability issue: nothing loaded from disk can run code.

Checkpoints and prepared files load with ``torch.load(weights_only=True)`` (``crossmodal.io.load_weights``);
downloaded data is read by format-specific readers, never unpickled.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
import torch

from crossmodal.io import CorruptCheckpointError, UnsafeCheckpointError, load_weights
from crossmodal.jobs.evaluation import evaluate_classifier
from crossmodal.jobs.specs import EvaluateClassifierSpec
from faults.faultkit import REPO_ROOT, files_under

pytestmark = pytest.mark.faults


class RunsCodeWhenUnpickled:
    """What a crafted checkpoint carries: ``__reduce__`` makes unpickling call ``os.system``."""

    def __init__(self, marker: Path) -> None:
        self.command = f"touch {shlex.quote(str(marker))}"

    def __reduce__(self) -> tuple:
        return (os.system, (self.command,))


def crafted_checkpoint(path: Path, marker: Path) -> Path:
    torch.save({"kind": "classifier", "build": "{}", "state_dict": {"w": torch.zeros(1)},
                "payload": RunsCodeWhenUnpickled(marker)}, path)
    return path


def test_crafted_checkpoint_is_live(tmp_path: Path) -> None:
    """The payload of the next tests really runs when unpickled without ``weights_only``."""
    marker = tmp_path / "ran"
    torch.load(crafted_checkpoint(tmp_path / "evil.pt", marker), weights_only=False)
    assert marker.exists()


def test_crafted_checkpoint_is_refused_before_its_code_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    evil = crafted_checkpoint(tmp_path / "evil.pt", marker)

    with pytest.raises(UnsafeCheckpointError) as caught:
        load_weights(evil)

    assert str(caught.value) == (
        f"{evil}: refused to load: not a plain checkpoint of tensors (Trying to load unsupported GLOBAL "
        "posix.system whose module posix is blocked.). Only load checkpoints written by this project; "
        "never work around this with weights_only=False."
    )
    assert not marker.exists()


class PlainPickledObject:
    """An ordinary class: torch's refusal of it is the verbose one that advises weights_only=False."""


def test_refusal_gives_torchs_reason_and_none_of_its_advice(tmp_path: Path) -> None:
    path = tmp_path / "object.pt"
    torch.save({"state_dict": {"w": torch.zeros(1)}, "extra": PlainPickledObject()}, path)

    with pytest.raises(UnsafeCheckpointError) as caught:
        load_weights(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: refused to load: not a plain checkpoint of tensors (Unsupported global: GLOBAL ")
    assert "PlainPickledObject" in message  # what was refused, by name
    for advice in ("will likely succeed", "set to `False`", "add_safe_globals", "safe_globals(", "(1)", "(2)"):
        assert advice not in message, f"torch's advice {advice!r} passed on: {message}"
    assert message.endswith("never work around this with weights_only=False.")


def test_evaluation_with_a_crafted_model_writes_no_metric(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "models").mkdir()
    evil = crafted_checkpoint(tmp_path / "models" / "seed0.pt", marker)
    data = tmp_path / "prepared.pt"
    torch.save({"x_test": torch.zeros(2, 1, 2, 2, dtype=torch.uint8), "y_test": torch.zeros(2, dtype=torch.long),
                "meta": {"dataset": "mnist"}}, data)
    out = tmp_path / "metrics" / "classifier.csv"

    with pytest.raises(UnsafeCheckpointError, match=re.escape(f"{evil}: refused to load")):
        evaluate_classifier(EvaluateClassifierSpec(data=data, classifier=evil, seed=0, out=out))

    assert not marker.exists()
    assert files_under(tmp_path / "metrics") == []


def test_truncated_checkpoint_names_the_file_and_the_remedy(tmp_path: Path) -> None:
    path = tmp_path / "vae.pt"
    torch.save({"state_dict": {"w": torch.zeros(1000)}}, path)
    path.write_bytes(path.read_bytes()[:2000])

    with pytest.raises(CorruptCheckpointError) as caught:
        load_weights(path)

    assert str(caught.value) == (
        f"{path}: not a readable checkpoint (PytorchStreamReader failed reading zip archive: failed finding "
        "central directory); delete it and rerun the job that writes it"
    )


# Ways to turn bytes into objects that can run code, and the one place each may appear.
UNSAFE_LOADERS = {
    r"\btorch\.load\(": {"io.py"},  # load_weights, with weights_only=True
    r"weights_only\s*=\s*False\s*[,)]": set(),  # as an argument (io.py's error message names it)
    r"\bpickle\.loads?\(|\bUnpickler\(": set(),
    r"\b(?:dill|joblib|cloudpickle|shelve|marshal)\b": set(),
    r"allow_pickle\s*=\s*True": set(),
    r"\bread_pickle\(": set(),
    r"\byaml\.(?:load|unsafe_load|full_load)\(": set(),
    r"(?<![.\w])(?:eval|exec)\(": set(),  # builtins, not model.eval()
    r"shell\s*=\s*True|\bos\.system\(|\bos\.popen\(": set(),
}


def test_no_unsafe_loader_in_the_package() -> None:
    sources = sorted((REPO_ROOT / "src" / "crossmodal").rglob("*.py"))
    assert sources
    offences = []
    for path in sources:
        text = path.read_text()
        for pattern, allowed in UNSAFE_LOADERS.items():
            if path.name not in allowed and re.search(pattern, text):
                offences.append(f"{path.relative_to(REPO_ROOT)}: {pattern}")
    assert offences == []
    assert "weights_only=True" in (REPO_ROOT / "src" / "crossmodal" / "io.py").read_text()


def test_numpy_archives_are_read_without_pickle() -> None:
    for path in sorted((REPO_ROOT / "src" / "crossmodal").rglob("*.py")):
        for call in re.findall(r"np\.load\([^)]*\)", path.read_text()):
            assert "allow_pickle=False" in call, f"{path.name}: {call}"
