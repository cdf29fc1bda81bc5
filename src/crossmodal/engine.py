"""The one training engine behind every model in the project.

Design points (each one is a requirement of the reproduction, not a nicety):

* Data lives in memory (on the GPU when there is one) and batches are sliced from tensors; no
  DataLoader workers.
* Validation-based early stopping, or a fixed epoch budget when ``patience`` is ``None``.
* A resume checkpoint at the end of an epoch once a minute of training has passed since the last
  one (``CROSSMODAL_CHECKPOINT_INTERVAL_S``; 0 writes one after every epoch), written atomically, holding
  everything needed to continue bit-for-bit: weights, optimiser, best-so-far state, history and
  the random generators. A killed job rerun with the same arguments finishes with the same result
  as an uninterrupted one.
* A non-finite loss stops the job with a message naming the model, epoch and step.
* Mixed precision where the hardware has it (``precision: auto``): the training forward pass runs
  under bf16 autocast on CUDA and on CPUs with native bf16 matmuls (AVX512-BF16 or AMX), where it
  trains the MLP models about 2.8x faster than fp32. Weights, optimiser state, losses and every
  evaluation stay fp32. The resolved precision is recorded with each trained model.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import Tensor

from crossmodal.io import atomic_torch_save, load_weights
from crossmodal.models.base import TrainableModel

log = logging.getLogger(__name__)

Batch = dict[str, Tensor]


class NonFiniteLossError(RuntimeError):
    """Raised when a loss becomes NaN or infinite; the job must not write a result."""


class BatchSource(Protocol):
    """Something the engine can draw batches from."""

    def __len__(self) -> int: ...

    def batches(self, batch_size: int, generator: torch.Generator | None) -> Iterator[Batch]:
        """All batches of one epoch; shuffled with ``generator``, in order when it is ``None``."""
        ...


def as_float(x: Tensor) -> Tensor:
    """uint8 pixels become floats in [0, 1] on the fly (a quarter of the memory of float32)."""
    return x.float().div_(255.0) if x.dtype == torch.uint8 else x


class TensorBatches:
    """Batches sliced from equally long tensors held in memory."""

    def __init__(self, tensors: dict[str, Tensor]) -> None:
        lengths = {len(t) for t in tensors.values()}
        if len(lengths) != 1:
            raise ValueError(f"tensors of unequal length: { {k: len(v) for k, v in tensors.items()} }")
        self.tensors = tensors
        self._length = lengths.pop()

    def __len__(self) -> int:
        return self._length

    def to(self, device: torch.device) -> "TensorBatches":
        return TensorBatches({k: v.to(device) for k, v in self.tensors.items()})

    def batches(self, batch_size: int, generator: torch.Generator | None) -> Iterator[Batch]:
        device = next(iter(self.tensors.values())).device
        order = None
        if generator is not None:
            order = torch.randperm(self._length, generator=generator).to(device)
        for start in range(0, self._length, batch_size):
            if order is None:
                yield {k: as_float(v[start : start + batch_size]) for k, v in self.tensors.items()}
            else:
                index = order[start : start + batch_size]
                # index_select, not v[index]: the same rows, about 15x faster on CPU for a uint8 batch.
                yield {k: as_float(v.index_select(0, index)) for k, v in self.tensors.items()}


@dataclass(frozen=True)
class TrainConfig:
    max_epochs: int
    batch_size: int
    learning_rate: float
    patience: int | None = None
    weight_decay: float = 0.0
    eval_batch_size: int = 4096
    monitor: str = "loss"  # validation metric for early stopping: "loss" (min) or "accuracy" (max)
    precision: str = "auto"  # training forward pass: "auto" (bf16 where native), "bf16" or "fp32"

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "TrainConfig":
        """From a family's ``train`` section (``config.model_params`` gives every key; the fields'
        defaults, the schema's shared training defaults, fill any left out)."""
        given = {**{f.name: f.default for f in fields(cls) if f.default is not MISSING}, **params}
        return cls(
            max_epochs=int(given["max_epochs"]),
            batch_size=int(given["batch_size"]),
            learning_rate=float(given["learning_rate"]),
            patience=None if given["patience"] is None else int(given["patience"]),
            weight_decay=float(given["weight_decay"]),
            eval_batch_size=int(given["eval_batch_size"]),
            monitor=str(given["monitor"]),
            precision=str(given["precision"]),
        )


@dataclass
class TrainResult:
    history: list[dict[str, float]]
    best_epoch: int
    best_val_score: float
    stopped_early: bool
    train_seconds: float
    precision: str = "fp32"
    state_dict: dict[str, Tensor] = field(repr=False, default_factory=dict)


def pick_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


PRECISIONS = ("auto", "bf16", "fp32")


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` multiplies bf16 matrices natively (faster than fp32, not emulated)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"bf16"`` or ``"fp32"``: what ``precision`` means on ``device``."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {PRECISIONS}")
    if precision == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    return precision


CHECKPOINT_INTERVAL_ENV = "CROSSMODAL_CHECKPOINT_INTERVAL_S"
DEFAULT_CHECKPOINT_INTERVAL_S = 60.0


def default_checkpoint_interval_s() -> float:
    """Seconds of training between resume checkpoints: ``$CROSSMODAL_CHECKPOINT_INTERVAL_S`` or a minute.

    Not every epoch: a baseline's checkpoint (weights, best weights and two Adam moments) is about
    130 MB, and on FSDD, where an epoch lasts a second and a half, writing it after each one took a
    sixth of the job. A kill loses at most this much training, never the result's exactness.
    """
    raw = os.environ.get(CHECKPOINT_INTERVAL_ENV)
    if raw is None or raw == "":
        return DEFAULT_CHECKPOINT_INTERVAL_S
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not seconds >= 0:
        raise ValueError(f"{CHECKPOINT_INTERVAL_ENV} must be a number of seconds >= 0, got {raw!r}")
    return seconds


OPTIMIZERS = ("adam", "rmsprop")


def make_optimizer(
    name: str, config: TrainConfig, parameters: list[torch.nn.Parameter], device: torch.device
) -> torch.optim.Optimizer:
    """The optimiser ``name`` over ``parameters``. Adam's fused kernel updates all parameters in one
    pass; PyTorch's default on CPU is a Python loop over them, which cost a sixth of an MLP-VAE step here."""
    if name == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)
    if name != "adam":
        raise ValueError(f"train.optimizer must be one of {OPTIMIZERS}, got {name!r}")
    return torch.optim.Adam(parameters, lr=config.learning_rate, weight_decay=config.weight_decay,
                            fused=device.type in ("cpu", "cuda"))


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    # Deterministic mode also fills every new tensor with NaN, so that a read of uninitialised
    # memory shows. No op of ours reads one (the bit-identity tests would see it), and the fill is a
    # memory pass per allocation: about 3% of a CPU training step, for the same bits.
    torch.utils.deterministic.fill_uninitialized_memory = False


def _clone_state(model: TrainableModel) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


class Trainer:
    """Fits a :class:`TrainableModel` on in-memory batch sources.

    ``resume_path``: where the resume checkpoint lives; an existing one is resumed from.
    ``checkpoint_interval_s``: training seconds between checkpoints (default
    :func:`default_checkpoint_interval_s`); one is written at the end of the first epoch past the interval.
    ``on_epoch_end``: a test hook called after each epoch (and its checkpoint, if one is due).
    ``optimizer``: ``"adam"`` (every model of the AVAE study) or ``"rmsprop"`` (the M2VAE paper's MoG models).
    """

    def __init__(
        self,
        model: TrainableModel,
        config: TrainConfig,
        *,
        name: str,
        seed: int,
        resume_path: Path | None = None,
        checkpoint_interval_s: float | None = None,
        device: torch.device | None = None,
        on_epoch_end: Callable[[int], None] | None = None,
        optimizer: str = "adam",
    ) -> None:
        self.device = device or pick_device()
        self.model = model.to(self.device)
        self.config = config
        self.name = name
        self.seed = seed
        self.resume_path = resume_path
        self.checkpoint_interval_s = (
            default_checkpoint_interval_s() if checkpoint_interval_s is None else checkpoint_interval_s
        )
        self.on_epoch_end = on_epoch_end
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        if not trainable:
            raise ValueError(f"{name}: the model has no trainable parameters")
        self.precision = resolve_precision(config.precision, self.device)
        self.optimizer = make_optimizer(optimizer, config, trainable, self.device)

    def evaluate_loss(self, source: BatchSource) -> dict[str, float]:
        """Mean loss and metrics over ``source`` in eval mode, weighted by batch size."""
        self.model.eval()
        totals: dict[str, Tensor] = {}
        with torch.inference_mode():
            for batch in source.batches(self.config.eval_batch_size, None):
                out = self.model(batch)
                n = len(next(iter(batch.values())))
                for key, value in {"loss": out.loss, **out.metrics}.items():
                    totals[key] = totals.get(key, 0.0) + value.detach() * n
        return {k: float(v) / len(source) for k, v in totals.items()}

    def fit(self, train: BatchSource, val: BatchSource) -> TrainResult:
        cfg = self.config
        seed_everything(self.seed)
        generator = torch.Generator().manual_seed(self.seed)
        state = self._fresh_state()
        if self.resume_path is not None and self.resume_path.exists():
            state = self._load_resume(generator)
            log.info("%s: resuming after epoch %d", self.name, state["epoch"])
        show_progress = sys.stderr.isatty()
        started = time.perf_counter() - state["train_seconds"]
        last_checkpoint = time.perf_counter()
        epoch = state["epoch"]
        while epoch < cfg.max_epochs and not state["stopped_early"]:
            epoch += 1
            train_metrics = self._train_epoch(train, generator, epoch, show_progress)
            val_metrics = self.evaluate_loss(val)
            if not math.isfinite(val_metrics["loss"]):
                raise NonFiniteLossError(
                    f"{self.name}: non-finite validation loss {val_metrics['loss']} at epoch {epoch}"
                )
            row = {"epoch": float(epoch)}
            row.update({f"train_{k}": v for k, v in train_metrics.items()})
            row.update({f"val_{k}": v for k, v in val_metrics.items()})
            state["history"].append(row)
            if cfg.monitor not in val_metrics:
                raise KeyError(f"{self.name}: cannot monitor {cfg.monitor!r}; validation reports {sorted(val_metrics)}")
            # Scores are stored as "lower is better" so one comparison serves both directions.
            score = val_metrics[cfg.monitor] * (-1.0 if cfg.monitor == "accuracy" else 1.0)
            improved = score < state["best_val_score"]
            if improved:
                state["best_val_score"] = score
                state["best_epoch"] = epoch
                state["best_state"] = _clone_state(self.model)
            elif cfg.patience is not None and epoch - state["best_epoch"] >= cfg.patience:
                state["stopped_early"] = True
            state["epoch"] = epoch
            state["train_seconds"] = time.perf_counter() - started
            log.info(
                "%s epoch %d/%d train_loss=%.4f val_loss=%.4f%s",
                self.name, epoch, cfg.max_epochs, train_metrics["loss"], val_metrics["loss"],
                " *best*" if improved else "",
            )
            finished = epoch >= cfg.max_epochs or state["stopped_early"]
            due = time.perf_counter() - last_checkpoint >= self.checkpoint_interval_s
            # The last epoch needs none: the job writes its model next and drops the checkpoint.
            if self.resume_path is not None and due and not finished:
                self._save_resume(state, generator)
                last_checkpoint = time.perf_counter()
            if self.on_epoch_end is not None:
                self.on_epoch_end(epoch)
        if state["stopped_early"]:
            log.info("%s: early stop, best epoch %d", self.name, state["best_epoch"])
        self.model.load_state_dict(state["best_state"])
        return TrainResult(
            history=state["history"],
            best_epoch=state["best_epoch"],
            best_val_score=state["best_val_score"],
            stopped_early=state["stopped_early"],
            train_seconds=state["train_seconds"],
            precision=self.precision,
            state_dict=state["best_state"],
        )

    def _train_epoch(
        self, train: BatchSource, generator: torch.Generator, epoch: int, show_progress: bool
    ) -> dict[str, float]:
        self.model.train()
        totals: dict[str, Tensor] = {}
        seen = 0
        batches: Iterator[Batch] = train.batches(self.config.batch_size, generator)
        if show_progress:
            from tqdm import tqdm

            total = math.ceil(len(train) / self.config.batch_size)
            batches = tqdm(batches, total=total, desc=f"{self.name} epoch {epoch}", leave=False)
        for step, batch in enumerate(batches, start=1):
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"):
                out = self.model(batch)
            if not torch.isfinite(out.loss):
                raise NonFiniteLossError(
                    f"{self.name}: non-finite loss {out.loss.item()} at epoch {epoch}, step {step}"
                )
            self.optimizer.zero_grad(set_to_none=True)
            out.loss.backward()
            self.optimizer.step()
            n = len(next(iter(batch.values())))
            seen += n
            for key, value in {"loss": out.loss.detach(), **out.metrics}.items():
                totals[key] = totals.get(key, 0.0) + value * n
        return {k: float(v) / seen for k, v in totals.items()}

    def _fresh_state(self) -> dict[str, Any]:
        return {
            "epoch": 0,
            "history": [],
            "best_val_score": math.inf,
            "best_epoch": 0,
            "best_state": _clone_state(self.model),
            "stopped_early": False,
            "train_seconds": 0.0,
        }

    def _save_resume(self, state: dict[str, Any], generator: torch.Generator) -> None:
        payload = {
            **state,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng_torch": torch.get_rng_state(),
            "rng_generator": generator.get_state(),
        }
        if torch.cuda.is_available():
            payload["rng_cuda"] = torch.cuda.get_rng_state_all()
        atomic_torch_save(payload, self.resume_path)

    def _load_resume(self, generator: torch.Generator) -> dict[str, Any]:
        payload = load_weights(self.resume_path, self.device)
        self.model.load_state_dict(payload.pop("model"))
        self.optimizer.load_state_dict(payload.pop("optimizer"))
        torch.set_rng_state(payload.pop("rng_torch").cpu())
        generator.set_state(payload.pop("rng_generator").cpu())
        rng_cuda = payload.pop("rng_cuda", None)
        if rng_cuda is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in rng_cuda])
        return payload
