"""``reports/<config>/report.html``: one self-contained page (images embedded, no scripts) built
only from files under ``reports/<config>/``, setting every number of ours beside the paper's."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import yaml

from crossmodal.config import REPO_ROOT
from crossmodal.data.datasets import DATASETS
from crossmodal.io import atomic_write_json, atomic_write_text
from crossmodal.paths import parse
from crossmodal.report.analysis import (
    TABLE1_METHODS, build_tables, claims, dataset_title, deviations, load_metrics, method_title, substitutions,
)
from crossmodal.report.figure_data import paired_examples, read_run_models
from crossmodal.report.gap_notes import GAP_NOTES, load_gap_notes
from crossmodal.report.paper import PAPER_VALUES, load_paper_values

TEMPLATE = Path(__file__).with_name("templates") / "report.html"
PACKAGES = ("torch", "torchaudio", "torchvision", "snakemake", "dvc", "numpy", "pandas", "seaborn", "matplotlib")


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def provenance(config_file: Path, settings: dict[str, Any], dvc_records: dict[str, dict[str, Any]]) -> dict[str, Any]:
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
        "config_file": _relative_to_repo(Path(config_file)),
        "config_sha256": hashlib.sha256(Path(config_file).read_bytes()).hexdigest(),
        "seeds": settings["seeds"],
        "config_seeds": (yaml.safe_load(Path(config_file).read_text()) or {}).get("seeds"),
        "code": settings["code"],
        "datasets": [
            {"name": d, "title": DATASETS[d].title, "citation": DATASETS[d].citation, "license": DATASETS[d].license,
             "split": DATASETS[d].official_split, "dvc": dvc_records.get(d),
             "sources": sorted({url for f in DATASETS[d].files for url in f.base_urls[:1]})}
            for d in settings["datasets"]
        ],
        "versions": versions,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.system()} {platform.release()}",
        "cpus": os.cpu_count(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (CPU run)",
    }


def _relative_to_repo(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _embed_png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def _figure(report_dir: Path, png: Path, caption: str) -> dict[str, str]:
    relative = png.relative_to(report_dir)
    return {"name": png.stem, "src": _embed_png(png), "pdf": str(relative.with_suffix(".pdf")), "caption": caption}


def grids_by_scenario(report_dir: Path, scenarios: list[dict[str, Any]], suffix: str = "") -> list[dict[str, Any]]:
    """The qualitative grids whose name ends in ``suffix``, grouped by scenario (config order), one
    per method (Table 1 order)."""
    found: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
    for png in sorted((report_dir / "figures" / "samples").glob(f"*{suffix}.png")):
        match = parse("sample_grid", png)
        if match and match["method"] in TABLE1_METHODS:
            key = (match["source"], match["target"])
            order = TABLE1_METHODS.index(match["method"])
            found.setdefault(key, []).append((order, _figure(report_dir, png, method_title(match["method"]))))
    return [{"title": f"{dataset_title(s['source'])} → {dataset_title(s['target'])}",
             "figures": [f for _, f in sorted(found.get((s["source"], s["target"]), []), key=lambda x: x[0])]}
            for s in scenarios]


def run_records(report_dir: Path) -> dict[str, Any]:
    """Training summaries and job times, from the files collect_run_records put under reports/.

    Wall and CPU seconds per rule and per seed: on a shared or oversubscribed machine the wall
    times are upper bounds, while the CPU time of a one-thread job is its wall time on an idle core.
    """
    run = report_dir / "figure_data" / "run"
    models = read_run_models(run)
    benchmarks = pd.read_csv(run / "benchmarks.csv", dtype={"job": str}) if (run / "benchmarks.csv").exists() else pd.DataFrame()
    per_rule, per_seed = [], []
    if not benchmarks.empty:
        benchmarks["cpu_time"] = pd.to_numeric(benchmarks["cpu_time"], errors="coerce")
        grouped = benchmarks.groupby("rule").agg(count=("s", "count"), total=("s", "sum"), longest=("s", "max"),
                                                 cpu=("cpu_time", "sum")).reset_index()
        per_rule = [{"rule": r["rule"], "jobs": int(r["count"]), "total": float(r["total"]), "longest": float(r["longest"]),
                     "cpu": float(r["cpu"])} for _, r in grouped.sort_values("cpu", ascending=False).iterrows()]
        seeds = benchmarks["job"].str.extract(r"seed(\d+)$", expand=False)
        for seed, jobs in benchmarks.groupby(seeds):
            per_seed.append({"seed": int(seed), "jobs": len(jobs), "total": float(jobs["s"].sum()),
                             "cpu": float(jobs["cpu_time"].sum())})
        per_seed.sort(key=lambda r: r["seed"])
    return {"models": [{k: v for k, v in m.items() if k != "history"} for m in models],
            "jobs": benchmarks.to_dict("records"), "per_rule": per_rule, "per_seed": per_seed,
            "total_seconds": float(benchmarks["s"].sum()) if not benchmarks.empty else None,
            "total_cpu_seconds": float(benchmarks["cpu_time"].sum()) if not benchmarks.empty else None}


def figure5_pairs(report_dir: Path, settings: dict[str, Any], fractions: list[str]) -> dict[str, Any] | None:
    """How many source training examples take part in pairing at each of Figure 5's fractions
    (from ``split_sizes.json``): a fraction means a different number of pairs on each dataset."""
    sizes_path = report_dir / "figure_data" / "run" / "split_sizes.json"
    sweep = settings.get("experiments", {}).get("figure5")
    if not sweep or not sizes_path.exists():
        return None
    sizes = json.loads(sizes_path.read_text()).get(sweep["source"])
    if sizes is None:
        return None
    return {"source": dataset_title(sweep["source"]), "train": sizes["train"],
            "counts": [paired_examples(sizes["train_per_class"], float(f)) for f in fractions]}


def _dvc_records(report_dir: Path) -> dict[str, dict[str, Any]]:
    records = {}
    for record in sorted((report_dir / "figure_data" / "run" / "dvc").glob("*.dvc")):
        out = yaml.safe_load(record.read_text())["outs"][0]
        records[record.stem] = {"md5": out.get("md5", ""), "size": out.get("size", ""), "files": out.get("nfiles", "")}
    return records


def render_report(config_file: Path, settings: dict[str, Any], report_dir: Path, out: Path,
                  run_record: Path | None = None, combined_runs: list[dict[str, Any]] | None = None) -> None:
    """Render ``report_dir``'s page to ``out``. ``run_record``: also write the run's settings and
    provenance there (``run.json``, what :mod:`crossmodal.report.combine` reads). ``combined_runs``: the
    provenance of each run a combined report was put together from."""
    metrics = load_metrics(report_dir / "metrics.csv")
    paper = load_paper_values()
    shutil.copyfile(PAPER_VALUES, report_dir / "paper_values.csv")
    shutil.copyfile(GAP_NOTES, report_dir / "gap_notes.yaml")
    tables = build_tables(metrics, paper, settings)
    the_claims = claims(metrics, tables["table1"], tables["table2"], tables["table3"])
    figures = report_dir / "figures"
    # The first seed's grids and latent spaces, as the workflow draws them; files another run of
    # other seeds left in the folder are not this run's.
    first_seed = f"_seed{settings['seeds'][0]}"
    latents = [_figure(report_dir, png, png.stem) for png in sorted((figures / "latents").glob(f"*{first_seed}.png"))]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE.parent), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["repo_href"] = lambda target: _repo_href(target, out.parent)
    prov = provenance(config_file, settings, _dvc_records(report_dir))
    page = env.get_template(TEMPLATE.name).render(
        name=settings["name"], tables=tables, claims=the_claims, substitutions=substitutions(settings, paper),
        deviations=deviations(tables["table1"], tables["table2"], tables["table3"], the_claims, settings, paper,
                              tables["sweeps"], load_gap_notes()),
        figure5=_figure(report_dir, figures / "figure5.png", "Figure 5"),
        training=_figure(report_dir, figures / "training.png", "Training curves"),
        f5_pairs=figure5_pairs(report_dir, settings, [c["fraction"] for c in tables["figure5"].columns]),
        grids=grids_by_scenario(report_dir, settings["scenarios"], first_seed), latents=latents, run=run_records(report_dir),
        prov=prov, combined_runs=combined_runs or [], fmt=_fmt, n_seeds=len(settings["seeds"]),
        bands=settings["report"]["delta_bands"],
    )
    atomic_write_text(out, page)
    if run_record is not None:
        atomic_write_json(run_record, {"settings": settings, "provenance": prov})


def _repo_href(target: str, page_dir: Path) -> str:
    """A link from the page to a file of the repository (``path#anchor``), relative, so that it
    works in any checkout and loads nothing from the network."""
    path, _, anchor = target.partition("#")
    href = Path(os.path.relpath(REPO_ROOT / path, page_dir.resolve())).as_posix()
    return f"{href}#{anchor}" if anchor else href


def _fmt(value: float | None, signed: bool = False, digits: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
