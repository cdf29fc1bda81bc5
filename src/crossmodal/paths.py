"""Every file path of the workflow, built and parsed in one place.

A path is a *kind* (``"vae"``, ``"association_metrics"``, ...) and its fields. :meth:`RunPaths.path`
builds it; a field left out stays a ``{field}`` placeholder, which is the Snakemake wildcard pattern
of the same path (``paths.path("vae", dataset="{source}")`` renames a wildcard). :func:`parse` reads
the fields back from any path of a kind, whatever folder its run lives in.

Torch-free on purpose: the Snakemake workflow imports it at parse time.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import Any

from crossmodal.methods import METHODS

# Longest names first, so that "vae_cg_x" never parses as method "vae" of a dataset "cg_x".
METHOD_PATTERN = "|".join(sorted(METHODS, key=len, reverse=True))
DATASET_PATTERN = "[a-z_]+"
# What each field of a path may hold: Snakemake's wildcard constraints and the parser's groups.
FIELD_PATTERNS: dict[str, str] = {
    "dataset": DATASET_PATTERN,
    "source": DATASET_PATTERN,
    "target": DATASET_PATTERN,
    "seed": r"\d+",
    "dim": r"\d+",
    "sdim": r"\d+",
    "tdim": r"\d+",
    "fraction": r"[0-9.]+",
    "method": METHOD_PATTERN,
    "experiment": r"[a-z0-9]+",
    "study": r"[a-z0-9_]+",  # a folder under crossmodal/studies
    # A cascade's datasets from source to target, at least two legs.
    "path": rf"{DATASET_PATTERN}-{DATASET_PATTERN}(?:-{DATASET_PATTERN})+",
    # A swept setting: a key, or a dotted path such as train.max_epochs, and its value.
    "param": r"[a-z_]+(?:\.[a-z_]+)*",
    "value": r"[0-9.e+-]+",
    "figure": r"[a-z0-9_]+",
    "table": r"[a-z0-9]+",
    "name": r"[^/]+",
    "file": r"[^/]+",
}


@dataclass(frozen=True)
class Template:
    """One kind of file: under ``root`` (results, reports or raw), in ``folder``, named ``name``."""

    root: str
    folder: str
    name: str
    suffix: str = ""

    @property
    def relative(self) -> str:
        return f"{self.folder}/{self.name}{self.suffix}" if self.folder else f"{self.name}{self.suffix}"

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for _, f, _, _ in string.Formatter().parse(self.relative) if f))


_ASSOCIATION = "{method}_{source}-{target}_z{sdim}-{tdim}_p{fraction}_seed{seed}"
TEMPLATES: dict[str, Template] = {
    # Raw data (config raw_dir) and what preparation makes of it.
    "raw": Template("raw", "", "{dataset}"),
    "raw_file": Template("raw", "{dataset}", "{file}"),
    "raw_record": Template("raw", "", "{dataset}", ".dvc"),
    # What acquisition verified (crossmodal.data.verify): the acquire rule's record of its work.
    "raw_verified": Template("raw", ".verified", "{dataset}", ".json"),
    "prepared": Template("results", "prepared", "{dataset}", ".pt"),
    # Models (each with a JSON summary beside it: summary_of) and cached latents.
    "classifier": Template("results", "models/classifier", "{dataset}/seed{seed}", ".pt"),
    "vae": Template("results", "models/vae", "{dataset}/z{dim}_seed{seed}", ".pt"),
    "latents": Template("results", "latents", "{dataset}/z{dim}_seed{seed}", ".pt"),
    "associator": Template("results", "models/associator",
                           "{source}-{target}/z{sdim}-{tdim}_p{fraction}_seed{seed}", ".pt"),
    "baseline": Template("results", "models/baselines", "{method}/{source}-{target}/z{dim}_p{fraction}_seed{seed}", ".pt"),
    # A symmetric pairwise method's one model of a modality pair (config one_model_per_pair), named after
    # the pair's first configured scenario; it serves both directions.
    "pair_baseline": Template("results", "models/pair_baselines", "{method}/{source}-{target}/z{dim}_p{fraction}_seed{seed}",
                              ".pt"),
    # The alignment study: an aligner between a scenario's VAE-CG and its target's VAE.
    "aligner": Template("results", "models/aligner", "{method}/{source}-{target}/z{sdim}-{tdim}_seed{seed}", ".pt"),
    "sweep_model": Template("results", "models/sweeps", "{method}/{source}-{target}/z{dim}_{param}={value}_seed{seed}",
                            ".pt"),
    # Metric fragments, one per evaluation job; collect_metrics merges them into metrics.csv.
    "classifier_metrics": Template("results", "metrics/table2", "classifier_{dataset}_seed{seed}", ".csv"),
    "vae_metrics": Template("results", "metrics/table2", "vae_{dataset}_z{dim}_seed{seed}", ".csv"),
    # A cross-modal method's accuracy in an experiment (table1, figure5, flex: ours-flex's Table 1
    # cells); latent sizes source-target.
    "association_metrics": Template("results", "metrics/{experiment}", _ASSOCIATION, ".csv"),
    # Beside it: each test sample's verdict (the benchmark's paired bootstrap reads them), kept with
    # the report as figure data, so that combine-runs can pool the intervals of runs of other seeds.
    "prediction_data": Template("reports", "figure_data/verdicts/{experiment}", _ASSOCIATION, ".npz"),
    "cascade_metrics": Template("results", "metrics/table3", "avae_cascade_{path}_z{dim}_seed{seed}", ".csv"),
    "sweep_metrics": Template("results", "metrics/sweeps",
                              "{method}_{source}-{target}_z{dim}_{param}={value}_seed{seed}", ".csv"),
    # The report: compute (figure_data) apart from drawing (figures, tables).
    "metrics": Template("reports", "", "metrics", ".csv"),
    "report": Template("reports", "", "report", ".html"),
    "study_page": Template("reports", "", "{study}", ".html"),
    "run_record": Template("reports", "", "run", ".json"),
    "figure_data": Template("reports", "figure_data/{figure}", "{name}", ".npz"),
    "sample_data": Template("reports", "figure_data/samples", _ASSOCIATION, ".npz"),
    "latent_data": Template("reports", "figure_data/latents", "{source}-{target}_z{sdim}-{tdim}_seed{seed}", ".npz"),
    "run_models": Template("reports", "figure_data/run", "models", ".json.gz"),
    "run_benchmarks": Template("reports", "figure_data/run", "benchmarks", ".csv"),
    "run_dvc_record": Template("reports", "figure_data/run/dvc", "{dataset}", ".dvc"),
    "run_verified_record": Template("reports", "figure_data/run/verified", "{dataset}", ".json"),
    "split_sizes": Template("reports", "figure_data/run", "split_sizes", ".json"),
    # The speed of the machine a run's benchmarks were measured on (crossmodal.eta), and its copy
    # in the run's record.
    "machine_reference": Template("results", "benchmarks", "machine", ".json"),
    "run_machine_reference": Template("reports", "figure_data/run", "machine", ".json"),
    # What the ETA of a run predicted, and how long the run took.
    "eta_record": Template("results", "", "eta", ".json"),
    "headline_metrics": Template("reports", "figure_data", "headline_metrics", ".json"),
    "figure5_data": Template("reports", "figure_data", "figure5", ".csv"),
    # A figure drawn from figure data of the same name (samples, latents), or a single one (figure5).
    "sample_grid": Template("reports", "figures/samples", _ASSOCIATION, ".png"),
    "latent_figure": Template("reports", "figures/latents", "{source}-{target}_z{sdim}-{tdim}_seed{seed}", ".png"),
    "figure": Template("reports", "figures", "{figure}", ".png"),
    "figure_of_data": Template("reports", "figures/{figure}", "{name}", ".png"),
    "table_csv": Template("reports", "tables", "{table}", ".csv"),
    "table_tex": Template("reports", "tables", "{table}", ".tex"),
    # The Bridged VAE study (crossmodal.studies.bridged): a method's model and its metrics, per
    # setting (``name``: bimodal or trimodal).
    "bridged_model": Template("results", "models/bridged", "{name}/{method}_z{dim}_seed{seed}", ".pt"),
    "bridged_metrics": Template("results", "metrics/bridged", "{name}/{method}_z{dim}_seed{seed}", ".csv"),
    # The CMMD study: its generated data (two_view_mnist, mnist_fsdd pairing, text), its models
    # (a method at its configured settings, or CMMD at one omega of the E1 sweep) and their metrics.
    "cmmd_data": Template("results", "prepared/cmmd", "{dataset}", ".pt"),
    "cmmd_text_classifier": Template("results", "models/cmmd", "text_classifier_seed{seed}", ".pt"),
    "cmmd_model": Template("results", "models/cmmd", "{dataset}/{method}_z{dim}_seed{seed}", ".pt"),
    "cmmd_omega_model": Template("results", "models/cmmd", "{dataset}/cmmd_omega{value}_z{dim}_seed{seed}", ".pt"),
    "cmmd_metrics": Template("results", "metrics/cmmd", "{dataset}/{method}_z{dim}_seed{seed}", ".csv"),
    "cmmd_omega_metrics": Template("results", "metrics/cmmd", "{dataset}/cmmd_omega{value}_z{dim}_seed{seed}", ".csv"),
    "cmmd_figure": Template("reports", "figures/cmmd", "{figure}", ".png"),
    # The M2VAE study (crossmodal.studies.m2vae): {dataset} is mog, emnist or me_mnist (generated
    # from data_seed, seedless like prepared data); {name} is a model's setting (main or a sweep point).
    "m2vae_dataset": Template("results", "generated/m2vae", "{dataset}", ".pt"),
    "m2vae_cvae": Template("results", "models/m2vae/cvae", "{dataset}", ".pt"),
    "m2vae_model": Template("results", "models/m2vae/{dataset}", "{method}_{name}_seed{seed}", ".pt"),
    "m2vae_stage1": Template("results", "models/m2vae/{dataset}/stage1", "{method}_{name}_seed{seed}", ".pt"),
    "m2vae_metrics": Template("results", "metrics/m2vae/{dataset}", "{method}_{name}_seed{seed}", ".csv"),
    "m2vae_model_data": Template("reports", "figure_data/m2vae/{dataset}", "{method}_{name}_seed{seed}", ".npz"),
    "m2vae_dataset_data": Template("reports", "figure_data/m2vae", "{dataset}", ".npz"),
    "m2vae_figure": Template("reports", "figures/m2vae", "{name}", ".png"),
    # The benchmark (crossmodal.studies.benchmark): the paired bootstrap's intervals of one scenario at
    # one paired fraction, over the run's seeds, and its figures.
    "benchmark_intervals": Template("results", "metrics/benchmark_intervals", "{source}-{target}_p{fraction}", ".csv"),
    "benchmark_figure": Template("reports", "figures/benchmark", "{figure}", ".png"),
}
# Benchmarked jobs, by the group the report's timing table lists them under (and the ETA of a run
# estimates from: crossmodal.eta).
BENCHMARK_GROUPS = {
    "raw_verified": "acquire", "prepared": "prepare", "classifier": "classifier", "vae": "vae",
    "associator": "associator", "baseline": "baselines", "pair_baseline": "pair_baselines", "sweep_model": "sweeps",
    "latents": "encode_latents", "classifier_metrics": "evaluate_classifier", "vae_metrics": "evaluate_vae",
    "association_metrics": "evaluate_association", "cascade_metrics": "evaluate_cascade",
    "sweep_metrics": "evaluate_sweep", "latent_data": "project_latents", "figure_of_data": "plot_figures",
    "aligner": "alignment",
    # The Bridged VAE study.
    "bridged_model": "bridged", "bridged_metrics": "bridged_evaluate",
    # The CMMD study.
    "cmmd_data": "cmmd_data", "cmmd_text_classifier": "classifier", "cmmd_model": "cmmd", "cmmd_omega_model": "cmmd",
    "cmmd_metrics": "cmmd_evaluate", "cmmd_omega_metrics": "cmmd_evaluate",
    # The M2VAE study.
    "m2vae_dataset": "m2vae_data", "m2vae_cvae": "m2vae_cvae", "m2vae_model": "m2vae", "m2vae_stage1": "m2vae_stage1",
    "m2vae_metrics": "m2vae_evaluate",
    # The benchmark.
    "benchmark_intervals": "benchmark_intervals",
}


def fraction_tag(fraction: float | str) -> str:
    """How a paired fraction appears in file names: ``1`` -> ``"1.0"``, ``0.05`` -> ``"0.05"``."""
    return str(float(fraction))


def sweep_value_tag(value: float | str) -> str:
    """How a swept setting's value appears in file names: ``0.0`` -> ``"0"``, ``1e-05`` -> ``"1e-05"``."""
    return f"{float(value):g}"


def _field_text(field: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if field == "fraction":
        return fraction_tag(value)
    if field == "value":
        return sweep_value_tag(value)
    if field == "path" and isinstance(value, Iterable):
        return "-".join(value)
    return str(value)


def fill(template: Template, fields: Mapping[str, Any]) -> str:
    """``template``'s relative path with ``fields``; the fields not given stay placeholders."""
    unknown = set(fields) - set(template.fields)
    if unknown:
        raise KeyError(f"{template.relative} has no field {sorted(unknown)}; its fields: {list(template.fields)}")
    values = {f: _field_text(f, fields[f]) if f in fields else "{" + f + "}" for f in template.fields}
    return template.relative.format(**values)


@dataclass(frozen=True)
class RunPaths:
    """The paths of one run: ``results/<config>``, ``reports/<config>`` and the raw data folder."""

    config_name: str
    raw_dir: str = "data/raw"

    @property
    def results(self) -> str:
        return f"results/{self.config_name}"

    @property
    def reports(self) -> str:
        return f"reports/{self.config_name}"

    @property
    def logs(self) -> str:
        return f"{self.results}/logs"

    @property
    def benchmarks(self) -> str:
        return f"{self.results}/benchmarks"

    @property
    def models(self) -> str:
        return f"{self.results}/models"

    def root(self, template: Template) -> str:
        return {"results": self.results, "reports": self.reports, "raw": self.raw_dir}[template.root]

    def folder(self, kind: str) -> str:
        """The folder a kind's files go in (a kind whose folder has no field)."""
        template = TEMPLATES[kind]
        return f"{self.root(template)}/{template.folder}".rstrip("/")

    def path(self, kind: str, **fields: Any) -> str:
        """The path of ``kind`` with ``fields``; a field not given stays a ``{field}`` wildcard."""
        template = TEMPLATES[kind]
        return f"{self.root(template)}/{fill(template, fields)}"

    def summary(self, kind: str, **fields: Any) -> str:
        """The JSON summary that training writes beside a model."""
        return str(PurePath(self.path(kind, **fields)).with_suffix(".json"))

    def log(self, kind: str, **fields: Any) -> str:
        """The log of the job that writes ``kind``: its path under ``logs/`` instead of its root."""
        template = TEMPLATES[kind]
        relative = fill(template, fields).removesuffix(template.suffix)
        return f"{self.logs}/{template.root}/{relative}.log"

    def benchmark(self, kind: str, **fields: Any) -> str:
        """The benchmark of the job that writes ``kind``: ``benchmarks/<group>/<job>.tsv``. A field of
        the kind's folder (an experiment, a figure) leads the job's name, so that no two jobs share one."""
        template = TEMPLATES[kind]
        folder_fields = [part for part in template.folder.split("/") if "{" in part]
        name = "_".join([*folder_fields, template.name])
        job = fill(Template(template.root, "", name), fields).replace("/", "_")
        return f"{self.benchmarks}/{BENCHMARK_GROUPS[kind]}/{job}.tsv"

    def plotted(self, kind: str, **fields: Any) -> dict[str, str]:
        """The PNG and PDF a plotting rule writes for a figure kind."""
        png = self.path(kind, **fields)
        return {"png": png, "pdf": png.removesuffix(".png") + ".pdf"}


def wildcard_constraints() -> dict[str, str]:
    """Every field's pattern, for the Snakefile's ``wildcard_constraints``."""
    return dict(FIELD_PATTERNS)


@cache
def _regex(kind: str) -> re.Pattern[str]:
    template = TEMPLATES[kind]
    pattern, seen = "", set()
    for literal, field, _, _ in string.Formatter().parse(template.relative):
        pattern += re.escape(literal)
        if field:
            pattern += f"(?P={field})" if field in seen else f"(?P<{field}>{FIELD_PATTERNS[field]})"
            seen.add(field)
    return re.compile(r"(?:^|/)" + pattern + r"$")


def parse(kind: str, path: str | PurePath) -> dict[str, str] | None:
    """The fields of a path of ``kind`` (any run folder), or None when it is not one."""
    match = _regex(kind).search(PurePath(path).as_posix())
    return match.groupdict() if match else None
