"""What the Snakemake rules compute from the config: job parameters, command lines, input lists,
and which result files a config asks for. The rule files only wire these to rules.

Torch-free on purpose: the Snakefile imports it at parse time. A study (``crossmodal.studies.<name>``)
adds its own result files through its ``plan`` module (``metric_fragments``, ``report_figures``,
``report_settings``), so the files a run asks for are a plain function of its config.
"""

from __future__ import annotations

import importlib
import json
import shlex
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from crossmodal.config import canonical_json, class_map, code_version, model_params
from crossmodal.data.datasets import dataset_info
from crossmodal.paths import RunPaths

DEFAULT_STUDIES = ("avae",)
# Code each model family depends on; its hash is a param, so editing e.g. models/vae.py reruns
# exactly the VAE jobs (and what consumes their outputs), whatever the files' mtimes say.
ENGINE_CODE = ("engine.py", "io.py", "objectives.py", "models/base.py", "models/networks.py", "jobs.py")
PREPARE_CODE = ("data/prepare.py", "data/datasets.py", "data/audio.py", "data/idx.py", "data/archives.py",
                "data/images.py", "data/splits.py")
# The report rules' code, by rule: only an edit of what a rule runs reruns it.
REPORT_CODE = {
    "figure_data": ("report/figure_data.py",),
    "project_latents": ("report/figure_data.py", "jobs.py"),
    "dvc_metrics": ("report/analysis.py", "report/gap_notes.py"),
    "plot": ("report/figures.py", "report/analysis.py", "report/paper.py", "report/gap_notes.py"),
    "tables": ("report/analysis.py", "report/paper.py", "report/paper_values.csv", "report/gap_notes.py"),
    "report": ("report/html.py", "report/analysis.py", "report/figure_data.py", "report/paper.py",
               "report/paper_values.csv", "report/gap_notes.py", "report/gap_notes.yaml",
               "report/templates/report.html"),
}
# The tables the report rule writes (crossmodal.report.analysis.write_tables).
REPORT_TABLES = ("table1", "table2", "table3", "figure5", "methods", "sweeps")
# The snakemake --report category of each figure.
FIGURE_CATEGORIES = {"samples": "Qualitative grids", "latents": "Latent spaces", "figure5": "Figure 5",
                     "training": "Training"}
# The report's drawing settings; only these keys rerun the plotting rules.
STYLE_KEYS = ("style", "palette", "dpi", "font_scale")


def command(job: str, *positional: Any, threads: int | None = None, **options: Any) -> str:
    """A ``python -m crossmodal`` command line (after the interpreter), every value shell-quoted.

    Options are named as in the CLI (``source_data`` -> ``--source-data``); a list gives one
    value each, True a bare flag, None or False nothing.
    """
    words = [f"--threads {int(threads)}"] if threads is not None else []
    words.append(job)
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            words.append(flag)
        elif isinstance(value, (list, tuple)):
            words.append(" ".join([flag, *(shlex.quote(str(v)) for v in value)]))
        else:
            words.append(f"{flag} {shlex.quote(str(value))}")
    words.extend(shlex.quote(str(p)) for p in positional)
    return " ".join(words)


class Workflow:
    """One config's run: its paths, its jobs' parameters and the files it asks for."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.paths = RunPaths(config["name"], config["raw_dir"])
        self.seeds: list[int] = list(config["seeds"])
        self.latent_dim: int = int(config["latent_dim"])
        self.datasets: list[str] = list(config["datasets"])
        self.code = {
            "prepare": code_version(*PREPARE_CODE),
            "classifier": code_version(*ENGINE_CODE, "models/classifier.py"),
            "vae": code_version(*ENGINE_CODE, "models/vae.py"),
            "associator": code_version(*ENGINE_CODE, "models/avae.py", "data/pairing.py"),
            "evaluate": code_version("jobs.py", "metrics.py", "models/avae.py"),
        }

    # --- studies ------------------------------------------------------------------------------

    @property
    def study_names(self) -> list[str]:
        return list(self.config.get("studies", DEFAULT_STUDIES))

    def studies(self) -> list[ModuleType]:
        """Each configured study's plan module."""
        return [importlib.import_module(f"crossmodal.studies.{name}.plan") for name in self.study_names]

    # --- parameters -----------------------------------------------------------------------------

    def scenario(self, source: str, target: str) -> Mapping[str, Any]:
        for s in self.config["scenarios"]:
            if s["source"] == source and s["target"] == target:
                return s
        raise ValueError(f"no scenario {source} -> {target} in config {self.config['name']}")

    def class_map(self, source: str, target: str) -> dict[int, int]:
        return class_map(self.scenario(source, target), self.config["datasets"])

    def class_map_json(self, source: str, target: str) -> str:
        return json.dumps(self.class_map(source, target))

    def prepare_options(self, dataset: str) -> str:
        return canonical_json(dict(self.config["datasets"][dataset]))

    def classifier_params(self, dataset: str) -> str:
        return canonical_json(model_params(self.config, "classifier", dataset=dataset))

    def vae_params(self, dataset: str, dim: int | str) -> str:
        params = model_params(self.config, "vae", dataset=dataset)
        params["latent_dim"] = int(dim)
        return canonical_json(params)

    def style(self) -> str:
        """The one style every figure is drawn in."""
        return canonical_json({k: self.config["report"][k] for k in STYLE_KEYS})

    def report_code(self, rule: str) -> str:
        return code_version(*REPORT_CODE[rule])

    def report_settings(self) -> str:
        """What the report needs of the config, so that only these keys rerun it. Datasets as a
        list: canonical JSON sorts a mapping's keys, and the tables keep the config's order."""
        settings: dict[str, Any] = {
            "name": self.config["name"], "seeds": self.seeds, "scenarios": self.config["scenarios"],
            "datasets": self.datasets, "dataset_options": self.config["datasets"], "latent_dim": self.latent_dim,
            "experiments": self.config["experiments"], "report": self.config["report"],
            "studies": self.study_names,
            # Every model family's code version: runs combined into one report must agree on all of them.
            "code": dict(self.code),
        }
        for study in self.studies():
            for key, value in study.report_settings(self).items():
                settings[key] = {**settings[key], **value} if isinstance(settings.get(key), dict) else value
        return canonical_json(settings)

    # --- the files a run asks for --------------------------------------------------------------

    def raw_files(self, dataset: str) -> list[str]:
        return [self.paths.path("raw_file", dataset=dataset, file=remote.name) for remote in dataset_info(dataset).files]

    def raw_records(self) -> list[str]:
        return [self.paths.path("raw_record", dataset=dataset) for dataset in self.datasets]

    def prepared(self) -> list[str]:
        return [self.paths.path("prepared", dataset=dataset) for dataset in self.datasets]

    def run_dvc_records(self) -> list[str]:
        return [self.paths.path("run_dvc_record", dataset=dataset) for dataset in self.datasets]

    def table2_fragments(self) -> list[str]:
        """Every dataset's classifier and VAE, judged by the classifier (shared by every study)."""
        fragments = []
        for dataset in self.datasets:
            for seed in self.seeds:
                fragments.append(self.paths.path("classifier_metrics", dataset=dataset, seed=seed))
                fragments.append(self.paths.path("vae_metrics", dataset=dataset, dim=self.latent_dim, seed=seed))
        return fragments

    def metric_fragments(self) -> list[str]:
        """Every per-job metrics file that metrics.csv merges, without repeats, in a fixed order."""
        fragments = self.table2_fragments()
        for study in self.studies():
            fragments += study.metric_fragments(self)
        return list(dict.fromkeys(fragments))

    def report_figures(self) -> list[str]:
        figures = [self.paths.path("figure", figure="training")]
        for study in self.studies():
            figures += study.report_figures(self)
        return list(dict.fromkeys(figures))

    def table_outputs(self, tables: Sequence[str]) -> dict[str, str]:
        """The tables rule's named outputs: ``<table>_csv`` and ``<table>_tex``."""
        return {f"{table}_{suffix}": self.paths.path(f"table_{suffix}", table=table)
                for table in tables for suffix in ("csv", "tex")}

    # --- per-rule helpers ------------------------------------------------------------------------

    def figure_data_input(self, figure: str) -> str:
        """What a single figure is drawn from: metrics.csv for Figure 5, the model summaries for training."""
        return {"figure5": self.paths.path("metrics"), "training": self.paths.path("run_models")}[figure]

    # --- command lines of the shared rules (``python -m crossmodal ...``) -------------------------

    def acquire(self, w: Any) -> str:
        return command("acquire", dataset=w.dataset, raw_dir=self.paths.raw_dir)

    def prepare(self, w: Any, output: Any, threads: int) -> str:
        return command("prepare", threads=threads, dataset=w.dataset, raw_dir=self.paths.raw_dir,
                       params=self.prepare_options(w.dataset), out=output[0])

    def train_classifier(self, w: Any, input: Any, output: Any, threads: int) -> str:
        return command("train-classifier", threads=threads, data=input.data, params=self.classifier_params(w.dataset),
                       seed=w.seed, out=output.model)

    def train_vae(self, w: Any, input: Any, output: Any, threads: int) -> str:
        return command("train-vae", threads=threads, data=input.data, params=self.vae_params(w.dataset, w.dim),
                       seed=w.seed, out=output.model)

    def encode_latents(self, input: Any, output: Any, threads: int) -> str:
        return command("encode-latents", threads=threads, data=input.data, vae=input.vae, out=output[0])

    def evaluate_classifier(self, w: Any, input: Any, output: Any) -> str:
        return command("evaluate-classifier", data=input.data, classifier=input.classifier, seed=w.seed, out=output[0])

    def evaluate_vae(self, w: Any, input: Any, output: Any) -> str:
        return command("evaluate-vae", data=input.data, vae=input.vae, classifier=input.classifier, seed=w.seed,
                       out=output[0])

    def collect_metrics(self, input: Any, output: Any) -> str:
        return command("collect-metrics", *input, out=output[0])

    def collect_run_records(self, input: Any, output: Any) -> str:
        return command("collect-run-records", models_dir=self.paths.models, benchmarks_dir=self.paths.benchmarks,
                       dvc_records=list(input.dvc_records), out_dir=self.paths.folder("run_models"))

    def split_sizes(self, input: Any, output: Any) -> str:
        return command("split-sizes", prepared=list(input), out=output[0])

    def dvc_metrics(self, input: Any, output: Any) -> str:
        return command("dvc-metrics", *input, headline=output.headline, figure5=output.figure5)

    def plot(self, w: Any, input: Any, output: Any) -> str:
        return command("plot", figure=w.figure, data=input[0], style=self.style(), png=output.png, pdf=output.pdf)

    def tables(self, input: Any) -> str:
        return command("tables", metrics=input[0], params=self.report_settings(),
                       out_dir=self.paths.folder("table_csv"))

    def report(self, input: Any, output: Any) -> str:
        return command("report", config_file=input.config_file, params=self.report_settings(),
                       report_dir=self.paths.reports, out=output.page, run_record=output.record)
