"""``reports/<config>/report.html``: one self-contained page (images embedded, no scripts) built
only from files under ``reports/<config>/``, setting every number of ours beside the paper's."""

from __future__ import annotations

import base64
import hashlib
import platform
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from avae.config import REPO_ROOT
from avae.data.datasets import DATASETS
from avae.io import atomic_write_text
from avae.metrics import read_metrics
from avae.report.paper import PAPER_DATASET_TITLES, PAPER_VALUES, is_substitute, load_paper_values, lookup

TEMPLATE = Path(__file__).with_name("templates") / "report.html"
PACKAGES = ("torch", "torchaudio", "torchvision", "snakemake", "dvc", "numpy", "pandas", "seaborn", "matplotlib")


@dataclass
class Cell:
    """One table cell: ours (mean, std, n over seeds) beside the paper's value."""

    mean: float | None
    std: float | None
    n: int
    paper: float | None
    substitute: bool
    anchor: str

    @property
    def delta(self) -> float | None:
        if self.mean is None or self.paper is None:
            return None
        return self.mean - self.paper

    @property
    def delta_class(self) -> str:
        """Colour band of |delta|: within 3 points, within 10, beyond (context only if substitute)."""
        d = self.delta
        if d is None:
            return "na"
        if self.substitute:
            return "context"
        return "good" if abs(d) <= 3 else "fair" if abs(d) <= 10 else "poor"


def dataset_title(name: str) -> str:
    info = DATASETS.get(name)
    return info.title.split(" v")[0] if info else PAPER_DATASET_TITLES.get(name, name)


def aggregate(metrics: pd.DataFrame, **match: str) -> tuple[float | None, float | None, int]:
    rows = metrics
    for key, value in match.items():
        rows = rows[rows[key] == value]
    if rows.empty:
        return None, None, 0
    values = rows["value"].astype(float)
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0, len(values)


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def provenance(config_file: Path, settings: dict[str, Any]) -> dict[str, Any]:
    dvc_records = {}
    for dataset in settings["datasets"]:
        record = REPO_ROOT / "data" / "raw" / f"{dataset}.dvc"
        if record.exists():
            import yaml

            out = yaml.safe_load(record.read_text())["outs"][0]
            dvc_records[dataset] = {"md5": out.get("md5", ""), "size": out.get("size", ""), "files": out.get("nfiles", "")}
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    import torch

    return {
        "commit": _git("rev-parse", "HEAD") or "unknown",
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "config_file": str(config_file),
        "config_sha256": hashlib.sha256(Path(config_file).read_bytes()).hexdigest(),
        "seeds": settings["seeds"],
        "code": settings["code"],
        "datasets": [
            {"name": d, "title": DATASETS[d].title, "citation": DATASETS[d].citation, "license": DATASETS[d].license,
             "split": DATASETS[d].official_split, "dvc": dvc_records.get(d)}
            for d in settings["datasets"]
        ],
        "versions": versions,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.system()} {platform.release()}",
        "cpus": __import__("os").cpu_count(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (CPU run)",
    }


def _embed_png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def render_report(config_file: Path, settings: dict[str, Any], report_dir: Path, out: Path) -> None:
    metrics = pd.DataFrame([r.__dict__ for r in read_metrics(report_dir / "metrics.csv")])
    paper = load_paper_values()
    shutil.copyfile(PAPER_VALUES, report_dir / "paper_values.csv")
    dim = str(settings["latent_dim"])

    table2 = []
    for dataset in settings["datasets"]:
        cells = {}
        for method in ("classifier", "vae"):
            extra = {"latent_dim": dim} if method == "vae" else {}
            mean, std, n = aggregate(metrics, experiment="table2", method=method, source=dataset, **extra)
            ref = lookup(paper, "table2", method, dataset, latent_dim=dim if method == "vae" else "")
            cells[method] = Cell(mean, std, n, ref.value if ref else None, is_substitute(dataset), f"t2-{method}-{dataset}")
        table2.append({"dataset": dataset_title(dataset), "substitute": is_substitute(dataset), "cells": cells})

    table1 = []
    for scenario in settings["scenarios"]:
        s, t = scenario["source"], scenario["target"]
        mean, std, n = aggregate(metrics, experiment="table1", method="avae", source=s, target=t, paired_fraction="1.0")
        ref = lookup(paper, "table1", "avae", s, t)
        substitute = is_substitute(s) or is_substitute(t) or bool(scenario.get("substitute_for"))
        table1.append({
            "scenario": f"{dataset_title(s)} → {dataset_title(t)}",
            "paper_scenario": f"{PAPER_DATASET_TITLES.get(ref.source, ref.source)} → {PAPER_DATASET_TITLES.get(ref.target, ref.target)}" if ref else "",
            "substitute": substitute,
            "cell": Cell(mean, std, n, ref.value if ref else None, substitute, f"t1-avae-{s}-{t}"),
        })

    grids = []
    for png in sorted((report_dir / "figures" / "samples").glob("*.png")):
        grids.append({"name": png.stem, "src": _embed_png(png), "pdf": f"figures/samples/{png.stem}.pdf"})

    substitutions = []
    for dataset in settings["datasets"]:
        if is_substitute(dataset):
            substitutions.append(
                f"{dataset_title(dataset)} stands in for Google Speech Commands (GSC), which cannot be "
                "downloaded offline: its paper values are shown as context only, not as targets."
            )
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE.parent), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    page = env.get_template(TEMPLATE.name).render(
        name=settings["name"], table1=table1, table2=table2, grids=grids, substitutions=substitutions,
        prov=provenance(config_file, settings), fmt=_fmt, n_seeds=len(settings["seeds"]),
    )
    atomic_write_text(out, page)


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.2f}" if signed else f"{value:.2f}"
