"""Models on disk: build one from its recorded build arguments, save it with its training summary,
load it back; and batched inference on whatever device is there."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from crossmodal.config import canonical_json
from crossmodal.engine import TrainResult, as_float, pick_device
from crossmodal.io import atomic_torch_save, atomic_write_json, load_weights
from crossmodal.models.avae import Associator, AssociatorConfig
from crossmodal.methods import METHODS, PAIRWISE, Method
from crossmodal.models import build_multimodal
from crossmodal.models.base import MultimodalVAE
from crossmodal.models.classifier import Classifier, ClassifierConfig
from crossmodal.models.networks import count_trainable_parameters
from crossmodal.models.vae import VAE, VAEConfig


def build_model(kind: str, build: dict[str, Any]) -> torch.nn.Module:
    if kind == "classifier":
        return Classifier(tuple(build["shape"]), int(build["num_classes"]), ClassifierConfig.from_params(build["params"]))
    if kind == "vae":
        return VAE(tuple(build["shape"]), build["output"], VAEConfig.from_params(build["params"]))
    if kind == "associator":
        p = build["params"]
        return Associator(int(build["source_dim"]), int(build["target_dim"]), AssociatorConfig.from_params(p).hidden)
    if kind == "baseline":
        return build_multimodal(build, PAIRWISE, "pairwise method")
    raise ValueError(f"unknown model kind {kind!r}")


@dataclass(frozen=True)
class StageResult:
    """One stage of a method trained in stages: its value of the stage field, its training, and the
    names of the parameters it trained."""

    field: str
    value: str
    result: TrainResult
    trained: frozenset[str]


def _training_summary(result: TrainResult, monitor: str) -> dict[str, Any]:
    """What a training run records beside its model: its best epoch and score, when it stopped, its
    seconds and its history."""
    return {
        "best_epoch": result.best_epoch,
        "best_val_score": result.best_val_score,
        "monitor": monitor,
        "stopped_early": result.stopped_early,
        "epochs_run": len(result.history),
        "train_seconds": round(result.train_seconds, 3),
        "precision": result.precision,
        "history": result.history,
    }


def save_model(out: Path, kind: str, build: dict[str, Any], model: torch.nn.Module, result: TrainResult,
               stages: Sequence[StageResult] = ()) -> None:
    """The model with its build record, and its training summary beside it (``.json``). A model
    trained in ``stages`` (``result``: the last one's) also records each stage's training; its
    ``trainable_parameters`` and ``train_seconds`` are then the whole training's: every parameter
    some stage trained, every stage's seconds."""
    monitor = build["params"]["train"].get("monitor", "loss")
    summary = {"kind": kind, "build": build, "trainable_parameters": count_trainable_parameters(model),
               **_training_summary(result, monitor)}
    if stages:
        sizes = {name: p.numel() for name, p in model.named_parameters()}
        summary["trainable_parameters"] = sum(sizes[name] for name in frozenset().union(*(s.trained for s in stages)))
        summary["train_seconds"] = round(sum(stage.result.train_seconds for stage in stages), 3)
        summary["stages"] = [{stage.field: stage.value, "trainable_parameters": sum(sizes[n] for n in stage.trained),
                              **_training_summary(stage.result, monitor)} for stage in stages]
    state = {k: v.cpu() for k, v in model.state_dict().items()}
    atomic_torch_save({"kind": kind, "build": canonical_json(build), "state_dict": state}, out)
    atomic_write_json(out.with_suffix(".json"), summary)


def load_model(path: Path, device: torch.device | None = None) -> torch.nn.Module:
    payload = load_weights(path)
    return _restored(build_model(payload["kind"], json.loads(payload["build"])), payload, device)


def load_multimodal(path: Path, device: torch.device | None = None, known: dict[str, Method] | None = None,
                    kind: str = "method") -> MultimodalVAE:
    """A registered method's model saved by :func:`save_model` under any kind (a study's own
    kinds included); ``known`` and ``kind`` as for :func:`crossmodal.models.build_multimodal`."""
    payload = load_weights(path)
    return _restored(build_multimodal(json.loads(payload["build"]), METHODS if known is None else known, kind),
                     payload, device)


def _restored(model: torch.nn.Module, payload: dict[str, Any], device: torch.device | None) -> Any:
    model.load_state_dict(payload["state_dict"])
    return model.to(device or pick_device()).eval()


@torch.inference_mode()
def batched(fn: Callable[[Tensor], Tensor], x: Tensor, batch_size: int = 4096) -> Tensor:
    device = pick_device()
    return torch.cat([fn(as_float(x[i : i + batch_size].to(device))).cpu() for i in range(0, len(x), batch_size)])
