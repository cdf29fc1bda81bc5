"""Figure data: the compute half of the figures (showyourwork style). These jobs read results/ and
write small files under ``reports/<config>/figure_data/``; the plotting and report rules then read
only those, so restyling never touches a model.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from crossmodal.io import atomic_path, atomic_write_json
from crossmodal.paths import TEMPLATES
from crossmodal.report.analysis import dataset_title

BENCHMARK_FIELDS = ("s", "max_rss", "cpu_time")
# Every model's summary and training history, gzipped: a three-seed run's is 7 MB of JSON, and
# records of real runs are kept in git (docs/runs/).
RUN_MODELS = "models.json.gz"
_LEGACY_RUN_MODELS = "models.json"  # what records written before 2026-12-05 hold


def _pca(fit_on: np.ndarray, *project: np.ndarray) -> list[np.ndarray]:
    """2-D principal components of ``fit_on``, and the same projection of each of ``project``."""
    centre = fit_on.mean(axis=0)
    _, _, components = np.linalg.svd(fit_on - centre, full_matrices=False)
    axes = components[:2].T
    # SVD's sign is arbitrary: fix it so that reruns draw the same picture.
    axes *= np.where(axes[np.abs(axes).argmax(axis=0), range(axes.shape[1])] < 0, -1.0, 1.0)
    return [(x - centre) @ axes for x in (fit_on, *project)]


def _classes(classifier_path: Path) -> list[str]:
    from crossmodal.io import load_weights

    return json.loads(load_weights(classifier_path)["build"])["classes"]


def project_latents(source: str, target: str, source_latents: Path, target_latents: Path, associator_path: Path,
                    source_classifier: Path, target_classifier: Path, class_map: dict[int, int], points: int,
                    seed: int, out: Path) -> None:
    """PCA of both VAEs' latent spaces (test-set posterior means), coloured by class, and the
    associator's outputs from the source test set projected onto the target's components.

    The associator maps the source posterior mean to its own mean, as evaluation does.
    """
    import torch

    from crossmodal.io import load_weights
    from crossmodal.jobs.store import load_model

    rng = np.random.default_rng(seed)
    z_source, z_target = load_weights(source_latents), load_weights(target_latents)

    def sample(z: dict[str, Any], keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        mu, y = z["mu_test"].numpy(), z["y_test"].numpy()
        index = np.flatnonzero(keep if keep is not None else np.ones(len(y), bool))
        index = np.sort(rng.choice(index, size=min(points, len(index)), replace=False))
        return mu[index], y[index]

    source_mu, source_y = sample(z_source)
    target_mu, target_y = sample(z_target)
    mapped = np.isin(z_source["y_test"].numpy(), list(class_map))
    assoc_in, assoc_source_y = sample(z_source, mapped)
    associator = load_model(associator_path, torch.device("cpu"))
    with torch.inference_mode():
        associated = associator(torch.from_numpy(assoc_in))[0].numpy()
    source_xy, = _pca(source_mu)
    target_xy, associated_xy = _pca(target_mu, associated)
    with atomic_path(out) as tmp, open(tmp, "wb") as fh:  # a file object: no ".npz" appended
        np.savez_compressed(
            fh, source_xy=source_xy, source_y=source_y, target_xy=target_xy, target_y=target_y,
            associated_xy=associated_xy, associated_y=np.array([class_map[int(c)] for c in assoc_source_y]),
            source_classes=np.array(_classes(source_classifier)), target_classes=np.array(_classes(target_classifier)),
            source_title=dataset_title(source), target_title=dataset_title(target),
            title=f"{dataset_title(source)} → {dataset_title(target)}: latent spaces (seed {seed})",
        )


def write_split_sizes(prepared: Sequence[Path], out: Path) -> None:
    """Per prepared dataset: samples per split and the training split's count per class, which is
    what turns a paired fraction into a number of paired examples (``paired_examples``)."""
    from crossmodal.data.prepare import load_prepared

    sizes = {}
    for path in prepared:
        data = load_prepared(path)
        sizes[data["meta"]["dataset"]] = {
            **{split: len(data[f"y_{split}"]) for split in ("train", "val", "test")},
            "train_per_class": np.bincount(data["y_train"].numpy(), minlength=len(data["meta"]["classes"])).tolist(),
        }
    atomic_write_json(out, sizes)


def paired_examples(train_per_class: Sequence[int], fraction: float) -> int:
    """Source training examples that take part in pairing at ``fraction``: the stratified subset of
    ``crossmodal.data.pairing.paired_subset``, at least one per class."""
    if fraction >= 1:
        return int(sum(train_per_class))
    return sum(max(1, round(fraction * n)) for n in train_per_class if n)


def atomic_write_json_gz(path: Path, obj: Any) -> None:
    """Gzipped JSON for large records kept in git; ``mtime=0`` keeps the bytes a function of the
    content alone, so an unchanged record is an unchanged file."""
    data = gzip.compress((json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n").encode(), mtime=0)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def read_json(path: Path) -> Any:
    """A JSON file, gzipped when its name ends in ``.gz``."""
    if path.suffix == ".gz":
        return json.loads(gzip.decompress(path.read_bytes()))
    return json.loads(path.read_text())


def read_run_models(run_dir: Path) -> list[dict[str, Any]]:
    """The model summaries under a report's ``figure_data/run`` (none if it has no record)."""
    for name in (RUN_MODELS, _LEGACY_RUN_MODELS):
        if (run_dir / name).exists():
            return read_json(run_dir / name)
    return []


def collect_run_records(models_dir: Path, benchmarks_dir: Path, dvc_records: list[Path], out_dir: Path,
                        verified_records: Sequence[Path] = ()) -> None:
    """Gather what the report says about the run into ``out_dir``: every model summary that
    ``save_model`` wrote under ``models_dir`` (whatever the method: ``RUN_MODELS``), every Snakemake
    benchmark under ``benchmarks_dir`` (``benchmarks.csv``), the raw data's DVC records (``dvc/``)
    and what acquisition verified each raw file against (``verified/``)."""
    missing = [str(record) for record in dvc_records if not Path(record).exists()]
    if missing:
        # Acquisition writes the record but does not declare it (a failed job must not delete it),
        # so a record deleted afterwards is found here, not by Snakemake.
        raise FileNotFoundError(f"no DVC record {missing}: the raw data was verified but its record is gone. Acquire "
                                "it again, which verifies the raw files and writes the record: "
                                "snakemake --forcerun acquire ... (prepared data is kept)")
    models = []
    for path in sorted(models_dir.rglob("*.json")):
        summary = json.loads(path.read_text())
        if "history" not in summary:
            continue
        relative = path.relative_to(models_dir).with_suffix("")
        models.append({"name": str(relative), "kind": summary.get("kind", relative.parts[0]),
                       "best_epoch": summary["best_epoch"], "epochs_run": summary.get("epochs_run", len(summary["history"])),
                       "stopped_early": summary.get("stopped_early", False), "train_seconds": summary.get("train_seconds"),
                       "trainable_parameters": summary.get("trainable_parameters"), "history": summary["history"]})
    atomic_write_json_gz(out_dir / RUN_MODELS, models)
    rows = []
    for path in sorted(benchmarks_dir.rglob("*.tsv")):
        relative = path.relative_to(benchmarks_dir).with_suffix("")
        with open(path, newline="") as fh:
            for record in csv.DictReader(fh, delimiter="\t"):
                rows.append({"rule": relative.parts[0], "job": str(relative), **{k: record.get(k, "") for k in BENCHMARK_FIELDS}})
    with atomic_path(out_dir / "benchmarks.csv") as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["rule", "job", *BENCHMARK_FIELDS], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    # The speed of the machine those benchmarks were measured on, for the ETA of later runs.
    machine = benchmarks_dir / PurePath(TEMPLATES["machine_reference"].relative).name
    if machine.exists():
        with atomic_path(out_dir / PurePath(TEMPLATES["run_machine_reference"].relative).name) as tmp:
            shutil.copyfile(machine, tmp)
    for record in dvc_records:
        with atomic_path(out_dir / "dvc" / record.name) as tmp:
            shutil.copyfile(record, tmp)
    for record in verified_records:
        # Only what was verified, not when: the stat data would make every run's record differ.
        levels = {name: entry["verified_by"] for name, entry in json.loads(Path(record).read_text()).items()}
        atomic_write_json(out_dir / "verified" / Path(record).name, levels)
