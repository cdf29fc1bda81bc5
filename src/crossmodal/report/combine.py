"""One report from finished runs of one config that hold different seeds or different studies.

``make reproduce CONFIG=<name> SEEDS=<k> STUDIES=<s>`` runs some of a config's seeds of some of its
studies; what the report needs of such a run stays under ``reports/<name>/``: ``metrics.csv``,
``figure_data/`` and ``run.json`` (its settings and provenance). Training is deterministic
(docs/determinism.md): on the same kind of machine, with the same config and code, a seed's numbers
do not depend on which other seeds or studies ran beside it. So seeds and studies run on several
machines, or in several sittings, can be put together into the report a single run of all of them
would give. This module does that, and refuses runs that differ in anything but their seeds and
studies: another config or config version, other code, other raw data, a seed of a study twice.

The qualitative grids and latent-space figures are the first seed's, as in a single run. Given one
run, it draws that run's report again from its record alone, e.g. an archived one under docs/runs/.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossmodal.config import REPO_ROOT
from crossmodal.io import atomic_path
from crossmodal.metrics import MetricRow, read_metrics, write_metrics
from crossmodal.report import figures
from crossmodal.report.exports import write_dvc_metrics, write_tables
from crossmodal.report.figure_data import BENCHMARK_FIELDS, RUN_MODELS, atomic_write_json_gz, read_run_models
from crossmodal.report.html import render_report
from crossmodal.studies import DEFAULT_STUDIES, StudyError, registry, studies_of

STYLE_KEYS = ("style", "palette", "dpi", "font_scale")
POOLED = ""  # the seed column of a row pooled over every seed of its run


class CombineError(ValueError):
    """The runs cannot be combined into one report; the message says why."""


@dataclass(frozen=True)
class Run:
    """A finished run's portable record: its ``reports/<config>/`` folder."""

    folder: Path
    settings: dict[str, Any]
    provenance: dict[str, Any]

    @property
    def seeds(self) -> list[int]:
        return list(self.settings["seeds"])

    @property
    def studies(self) -> list[str]:
        return list(self.settings.get("studies", DEFAULT_STUDIES))

    @classmethod
    def load(cls, folder: Path) -> "Run":
        missing = [name for name in ("metrics.csv", "run.json", "figure_data") if not (folder / name).exists()]
        if missing:
            raise CombineError(f"{folder}: not a finished run's report folder (missing {', '.join(missing)}); "
                               "run.json is written by the workflow's report rule")
        record = json.loads((folder / "run.json").read_text())
        if "partial_run" in record["provenance"]:
            raise CombineError(f"{folder}: the record of a partial run ({record['provenance']['partial_run']}); "
                               "combine-runs takes the report folders of whole runs")
        return cls(folder, record["settings"], record["provenance"])


def _without_seeds_and_studies(settings: dict[str, Any]) -> dict[str, Any]:
    rest = copy.deepcopy(settings)
    rest.pop("seeds")
    rest.pop("studies", None)
    for sweep in rest.get("validation_sweeps", []):
        sweep.pop("seeds", None)
    return rest


def check_combinable(runs: Sequence[Run]) -> None:
    """Refuse runs that differ in anything but their seeds and studies, or share a seed of a study."""
    if not runs:
        raise CombineError("no runs to combine")
    first = runs[0]
    for run in runs[1:]:
        if run.settings["name"] != first.settings["name"]:
            raise CombineError(f"{run.folder} is a run of config {run.settings['name']!r}, "
                               f"{first.folder} of {first.settings['name']!r}")
        if run.provenance["config_sha256"] != first.provenance["config_sha256"]:
            raise CombineError(f"{run.folder} and {first.folder} ran different versions of "
                               f"{first.provenance['config_file']} (sha256 {run.provenance['config_sha256'][:16]} "
                               f"and {first.provenance['config_sha256'][:16]})")
        # Runs of other studies may version code the other does not run; what both name must agree.
        code, first_code = run.settings["code"], first.settings["code"]
        names = set(code) | set(first_code) if set(run.studies) & set(first.studies) else set(code) & set(first_code)
        changed = sorted(k for k in names if code.get(k) != first_code.get(k))
        if changed:
            raise CombineError(f"{run.folder} and {first.folder} were trained by different code "
                               f"({', '.join(changed)}): their seeds are not one experiment")
        if _without_seeds_and_studies(run.settings) != _without_seeds_and_studies(first.settings):
            raise CombineError(f"{run.folder} and {first.folder} have different report settings")
    seen: dict[tuple[str, int], Path] = {}
    for run in runs:
        try:
            studies_of(run.settings)
        except StudyError as exc:
            raise CombineError(f"{run.folder}: {exc}") from None
        for study in run.studies:
            if run.studies.count(study) > 1:
                raise CombineError(f"{run.folder} names the study {study!r} twice")
            for seed in run.seeds:
                if (study, seed) in seen:
                    raise CombineError(f"seed {seed} of the study {study!r} is in both {seen[study, seed]} and {run.folder}")
                seen[study, seed] = run.folder


def combined_settings(runs: Sequence[Run]) -> dict[str, Any]:
    """The settings a single run of every run's seeds would have."""
    settings = copy.deepcopy(runs[0].settings)
    settings["seeds"] = sorted({seed for run in runs for seed in run.seeds})
    studies = [study for run in runs for study in run.studies]
    settings["studies"] = sorted(set(studies), key=studies.index)
    for i, sweep in enumerate(settings.get("validation_sweeps", [])):
        sweep["seeds"] = sorted({seed for run in runs for seed in run.settings["validation_sweeps"][i]["seeds"]})
    return settings


def _rows(run: Run) -> list[MetricRow]:
    rows = read_metrics(run.folder / "metrics.csv")
    strays = sorted({row.seed for row in rows
                     if row.seed != POOLED and (not row.seed.isdigit() or int(row.seed) not in run.seeds)})
    if strays:
        raise CombineError(f"{run.folder}/metrics.csv has rows of seeds {strays}, which its run.json does not list")
    # A study that compares with another's methods (the alignment with AVAE's Table 1) has its run
    # make those rows too: they belong to the run as much as its own.
    owned = {experiment for study in run.studies for experiment in registry()[study].experiments + registry()[study].reads}
    unowned = sorted({row.experiment for row in rows} - owned)
    if unowned:
        raise CombineError(f"{run.folder}/metrics.csv has rows of experiments {unowned}, which no study of its run "
                           f"({', '.join(run.studies)}) owns")
    return rows


def _borrowed_once(rows: Sequence[Sequence[MetricRow]], runs: Sequence[Run]) -> list[list[MetricRow]]:
    """Each run's rows, where a row of an experiment the run's studies only read (an alignment run's
    AVAE Table 1 cells) is dropped when a run of the owning study, or an earlier reading run, has
    the same row (the same models of the same seed)."""
    own = [{e for study in run.studies for e in registry()[study].experiments} for run in runs]
    seen = {row.key() for run_rows, owned in zip(rows, own) for row in run_rows if row.experiment in owned}
    kept = []
    for run_rows, owned in zip(rows, own):
        kept.append([])
        for row in run_rows:
            if row.experiment in owned or row.key() not in seen:
                kept[-1].append(row)
                seen.add(row.key())
    return kept


def check_pooled(runs: Sequence[Run], rows: Sequence[Sequence[MetricRow]]) -> set[str]:
    """The experiments whose rows pooled over a run's seeds (the benchmark's bootstrap intervals)
    cover fewer seeds of their study than the combined report holds: their study pools them again
    over every seed from the runs' figure data (``Study.pool_again``). Refused for a study that
    cannot: the run that has its pooled rows must then have run every seed of it."""
    owner = {experiment: name for name, study in registry().items() for experiment in study.experiments}
    stale = set()
    for run, run_rows in zip(runs, rows):
        for experiment in sorted({row.experiment for row in run_rows if row.seed == POOLED}):
            study = owner[experiment]
            seeds = sorted({seed for other in runs if study in other.studies for seed in other.seeds})
            if seeds == sorted(run.seeds):
                continue
            if registry()[study].pool_again is None:
                raise CombineError(
                    f"{run.folder}: the rows of {experiment} pool the seeds {sorted(run.seeds)} of the study "
                    f"{study!r}, but the combined report has its seeds {seeds}: such rows cannot be pooled again "
                    f"across runs; run the study's last sitting with every seed (make reproduce SEEDS="
                    f"{','.join(map(str, seeds))}) and combine that run alone")
            stale.add(experiment)
    return stale


def pool_again(stale: set[str], settings: dict[str, Any], out_dir: Path) -> list[MetricRow]:
    """The rows of the ``stale`` experiments, pooled again over every seed by their studies from
    the figure data already copied into ``out_dir``."""
    rows = []
    for name, study in registry().items():
        if study.pool_again is not None and stale & set(study.experiments):
            try:
                rows += study.pool_again(out_dir, settings)
            except FileNotFoundError as missing:
                raise CombineError(f"the study {name!r} pools its rows over the seeds {settings['seeds']} again from "
                                   f"the runs' figure data, and cannot: {missing} (a run recorded before its "
                                   f"figure data kept them must be run again)") from missing
    return rows


def _same_file(runs: Sequence[Run], relative: str) -> Path | None:
    """The file ``relative`` (under each run's folder), which must be identical in every run that has it."""
    present = [run.folder / relative for run in runs if (run.folder / relative).exists()]
    for path in present[1:]:
        if path.read_bytes() != present[0].read_bytes():
            raise CombineError(f"{present[0]} and {path} differ: the runs did not see the same data")
    return present[0] if present else None


def _merge_run_records(runs: Sequence[Run], out_dir: Path) -> None:
    """Every run's model summaries and job times, and the raw data records and split sizes they share."""
    out = out_dir / "figure_data" / "run"
    models, benchmarks = [], []
    for run in runs:
        record = run.folder / "figure_data" / "run"
        models += read_run_models(record)
        if (record / "benchmarks.csv").exists():
            with open(record / "benchmarks.csv", newline="") as fh:
                benchmarks += list(csv.DictReader(fh))
    atomic_write_json_gz(out / RUN_MODELS, models)
    with atomic_path(out / "benchmarks.csv") as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["rule", "job", *BENCHMARK_FIELDS], lineterminator="\n")
        writer.writeheader()
        writer.writerows(benchmarks)
    names = {str(path.relative_to(run.folder)) for run in runs for pattern in ("dvc/*.dvc", "verified/*.json")
             for path in (run.folder / "figure_data" / "run").glob(pattern)}
    for relative in sorted(names) + ["figure_data/run/split_sizes.json"]:
        source = _same_file(runs, relative)
        if source is not None:
            with atomic_path(out_dir / relative) as tmp:
                shutil.copyfile(source, tmp)


def _copy_figure_data(runs: Sequence[Run], settings: dict[str, Any], out_dir: Path) -> None:
    """The first seed's qualitative grids and latent projections, and every seed's verdicts."""
    first_seed = settings["seeds"][0]
    for kind, seeds in (("samples", [first_seed]), ("latents", [first_seed]), ("verdicts", settings["seeds"])):
        if (out_dir / "figure_data" / kind).exists():
            shutil.rmtree(out_dir / "figure_data" / kind)
        for run in runs:
            folder = run.folder / "figure_data" / kind
            for data in sorted(p for seed in seeds if seed in run.seeds for p in folder.rglob(f"*_seed{seed}.npz")):
                with atomic_path(out_dir / "figure_data" / kind / data.relative_to(folder)) as tmp:
                    shutil.copyfile(data, tmp)


def combine_runs(folders: Sequence[Path], out_dir: Path) -> None:
    """Write ``out_dir`` (a ``reports/<config>/`` folder) as a single run of all ``folders``' seeds would."""
    runs = [Run.load(Path(folder)) for folder in folders]
    check_combinable(runs)
    settings = combined_settings(runs)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = _borrowed_once([_rows(run) for run in runs], runs)
    stale = check_pooled(runs, rows)
    _merge_run_records(runs, out_dir)
    _copy_figure_data(runs, settings, out_dir)
    kept = [row for run_rows in rows for row in run_rows if not (row.seed == POOLED and row.experiment in stale)]
    write_metrics(out_dir / "metrics.csv", kept + pool_again(stale, settings, out_dir))
    write_dvc_metrics([out_dir / "metrics.csv"], out_dir / "figure_data" / "headline_metrics.json",
                      out_dir / "figure_data" / "figure5.csv")
    write_tables(out_dir / "metrics.csv", settings, out_dir / "tables")
    _draw_figures(out_dir, {key: settings["report"][key] for key in STYLE_KEYS})
    recorded = _recorded_config(runs[0])
    render_report(REPO_ROOT / recorded["config_file"], settings, out_dir, out_dir / "report.html",
                  run_record=out_dir / "run.json", recorded_config=recorded,
                  combined_runs=[{**run.provenance, "seeds": run.seeds, "studies": run.studies} for run in runs])


def _recorded_config(run: Run) -> dict[str, Any]:
    """The config as the runs' records name it. The page is drawn from the records alone, so a
    checkout whose copy has changed since (a comment, a new sweep) still draws it, and says so."""
    recorded = {key: run.provenance[key] for key in ("config_file", "config_sha256")}
    recorded["config_seeds"] = run.provenance.get("config_seeds")
    checkout = REPO_ROOT / recorded["config_file"]
    if not checkout.exists():
        recorded["config_note"] = "not in this checkout; the settings are the runs' records"
    elif hashlib.sha256(checkout.read_bytes()).hexdigest() != recorded["config_sha256"]:
        recorded["config_note"] = ("this checkout's copy differs from the one the runs ran; "
                                   "the settings are the runs' records")
    return recorded


def _draw_figures(report_dir: Path, style: dict[str, Any]) -> None:
    """Every figure of the report, from the combined figure data, as the plotting rules draw them."""
    out = report_dir / "figures"
    if out.exists():
        shutil.rmtree(out)
    figures.plot_figure5(report_dir / "metrics.csv", style, out / "figure5.png", out / "figure5.pdf")
    figures.plot_training(report_dir / "figure_data" / "run" / RUN_MODELS, style, out / "training.png",
                          out / "training.pdf")
    for kind, plot in (("samples", figures.plot_sample_grid), ("latents", figures.plot_latents)):
        for data in sorted((report_dir / "figure_data" / kind).glob("*.npz")):
            plot(data, style, out / kind / f"{data.stem}.png", out / kind / f"{data.stem}.pdf")
