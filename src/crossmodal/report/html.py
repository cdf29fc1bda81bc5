"""The report of a run: ``reports/<config>/report.html``, an index page (provenance in brief, the
studies run, a link to each study's page and what each page leaves out), and one self-contained
page per study, ``reports/<config>/<study>.html`` (images embedded, no scripts), built only from
files under ``reports/<config>/``."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pandas as pd
import yaml

from crossmodal.config import REPO_ROOT
from crossmodal.data.datasets import DATASETS
from crossmodal.io import atomic_write_json, atomic_write_text
from crossmodal.report.analysis import fmt, load_metrics
from crossmodal.report.embed import EmbedStyle, data_uri
from crossmodal.report.figure_data import read_run_models
from crossmodal.studies import studies_of

TEMPLATES = Path(__file__).with_name("templates")
PACKAGES = ("torch", "torchaudio", "torchvision", "snakemake", "dvc", "numpy", "pandas", "seaborn", "matplotlib")


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def provenance(config_file: Path, settings: dict[str, Any], dvc_records: dict[str, dict[str, Any]],
               recorded_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the page was drawn from and by. ``recorded_config``: the config as run records name it
    (``config_file``, ``config_sha256``, ``config_seeds``), for a page drawn again from records
    whose config this checkout has since edited."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    import torch

    config = recorded_config or {
        "config_file": _relative_to_repo(Path(config_file)),
        "config_sha256": hashlib.sha256(Path(config_file).read_bytes()).hexdigest(),
        "config_seeds": (yaml.safe_load(Path(config_file).read_text()) or {}).get("seeds"),
    }
    return {
        "commit": _git("rev-parse", "HEAD") or "unknown",
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        **config,
        "seeds": settings["seeds"],
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


def _dvc_records(report_dir: Path) -> dict[str, dict[str, Any]]:
    """Each dataset's DVC record and, per raw file, the digest acquisition verified it against
    (absent from records written before 2026-12-07)."""
    records = {}
    for record in sorted((report_dir / "figure_data" / "run" / "dvc").glob("*.dvc")):
        out = yaml.safe_load(record.read_text())["outs"][0]
        records[record.stem] = {"md5": out.get("md5", ""), "size": out.get("size", ""), "files": out.get("nfiles", "")}
    for verified in sorted((report_dir / "figure_data" / "run" / "verified").glob("*.json")):
        records.setdefault(verified.stem, {})["verified"] = json.loads(verified.read_text())
    return records


def inline_code(text: str) -> markupsafe.Markup:
    """``text`` escaped for HTML, with its Markdown code spans (`name`) set as ``<code>``: how the
    registry's and the notes' plain-text reasons name settings and methods."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


@dataclass
class PageContext:
    """What a study's page shares with every other page of the report."""

    report_dir: Path
    out_dir: Path  # where the pages are written
    provenance: dict[str, Any]
    combined_runs: list[dict[str, Any]]
    run: dict[str, Any]  # run_records()

    def environment(self, study_templates: Path) -> jinja2.Environment:
        """Jinja with the study's templates and the report's shared ones (base page, macros, provenance)."""
        env = jinja2.Environment(loader=jinja2.FileSystemLoader([study_templates, TEMPLATES]), autoescape=True,
                                 undefined=jinja2.StrictUndefined)
        env.filters["repo_href"] = lambda target: repo_href(target, self.out_dir)
        env.filters["inline_code"] = inline_code
        env.globals.update(fmt=fmt, prov=self.provenance, combined_runs=self.combined_runs, run=self.run)
        return env

    def figure(self, png: Path, caption: str, style: EmbedStyle) -> dict[str, str]:
        """A figure as the pages embed it, with its PDF (full resolution) linked."""
        relative = png.relative_to(self.report_dir)
        return {"name": png.stem, "src": data_uri(png, style), "pdf": str(relative.with_suffix(".pdf")), "caption": caption}


def render_report(config_file: Path, settings: dict[str, Any], report_dir: Path, out: Path,
                  run_record: Path | None = None, combined_runs: list[dict[str, Any]] | None = None,
                  recorded_config: dict[str, Any] | None = None) -> None:
    """Render ``report_dir``'s index page to ``out`` and each study's page beside it
    (``<study>.html``). ``run_record``: also write the run's settings and provenance there
    (``run.json``, what :mod:`crossmodal.report.combine` reads). ``combined_runs``: the provenance of
    each run a combined report was put together from."""
    metrics = load_metrics(report_dir / "metrics.csv")
    prov = provenance(config_file, settings, _dvc_records(report_dir), recorded_config)
    context = PageContext(report_dir, out.parent, prov, combined_runs or [], run_records(report_dir))
    pages = []
    for study in studies_of(settings):
        page = study.render_page(study.own_rows(metrics), settings, context)
        page_file = out.with_name(f"{study.name}.html")
        atomic_write_text(page_file, page.html)
        pages.append({"study": study, "file": page_file.name, "omits": page.omits,
                      "megabytes": page_file.stat().st_size / 1e6})
    index = context.environment(TEMPLATES).get_template("index.html").render(
        name=settings["name"], pages=pages, n_seeds=len(settings["seeds"]))
    atomic_write_text(out, index)
    if run_record is not None:
        atomic_write_json(run_record, {"settings": settings, "provenance": prov})


def repo_href(target: str, page_dir: Path) -> str:
    """A link from the page to a file of the repository (``path#anchor``), relative, so that it
    works in any checkout and loads nothing from the network."""
    path, _, anchor = target.partition("#")
    href = Path(os.path.relpath(REPO_ROOT / path, page_dir.resolve())).as_posix()
    return f"{href}#{anchor}" if anchor else href
