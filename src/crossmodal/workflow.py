"""What the Snakemake rules compute from the config: job parameters, command lines, input lists,
and which result files a config asks for. The rule files only wire these to rules.

Torch-free on purpose: the Snakefile imports it at parse time. A study (``crossmodal.studies.<name>``)
adds its own result files through its ``plan`` module (``metric_fragments``, ``report_figures``,
``report_settings``), so the files a run asks for are a plain function of its config.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from crossmodal.code_versions import code_version_of
from crossmodal.config import canonical_json, class_map, model_params
from crossmodal.jobs import JOBS
from crossmodal.jobs.specs import from_dict, to_json
from crossmodal.paths import RunPaths, parse

DEFAULT_STUDIES = ("avae",)
# Code each model family depends on; its hash is a param, so editing e.g. models/vae.py reruns
# exactly the VAE jobs (and what consumes their outputs), whatever the files' mtimes say.
# What each job runs (crossmodal.code_versions): its job module, and the models it builds.
TRAINING = "crossmodal.jobs.training"
EVALUATION = "crossmodal.jobs.evaluation"
MODEL_MODULES = {"classifier": "crossmodal.models.classifier", "vae": "crossmodal.models.vae",
                 "associator": "crossmodal.models.avae"}
# The report rules' entry modules; the tables and the page also run each configured study.
REPORT_ROOTS = {
    "figure_data": ("crossmodal.report.figure_data",),
    "project_latents": ("crossmodal.report.figure_data", MODEL_MODULES["associator"], MODEL_MODULES["classifier"]),
    "dvc_metrics": ("crossmodal.report.exports",),
    "plot": ("crossmodal.report.figures",),
    "tables": ("crossmodal.report.exports",),
    "report": ("crossmodal.report.html",),
}
STUDY_REPORT_RULES = ("tables", "report")
# The snakemake --report category of each figure.
FIGURE_CATEGORIES = {"samples": "Qualitative grids", "latents": "Latent spaces", "figure5": "Figure 5",
                     "training": "Training"}
# The report's drawing settings; only these keys rerun the plotting rules.
STYLE_KEYS = ("style", "palette", "dpi", "font_scale")


def job_spec(job: str, **fields: Any) -> str:
    """A job's spec as its one JSON argument (``python -m crossmodal <job> '<spec>'``), validated
    here, when the workflow is parsed; a field given as None takes its default."""
    return to_json(from_dict(JOBS[job].spec, {name: value for name, value in fields.items() if value is not None}))


def canonical(obj: Any) -> Any:
    """``obj`` through JSON with sorted keys: what a job receives never depends on the config's key order."""
    return json.loads(canonical_json(obj))


class Workflow:
    """One config's run: its paths, its jobs' parameters and the files it asks for."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.paths = RunPaths(config["name"], config["raw_dir"])
        self.seeds: list[int] = list(config["seeds"])
        self.latent_dim: int = int(config["latent_dim"])
        self.datasets: list[str] = list(config["datasets"])
        self.code = {
            "prepare": code_version_of("crossmodal.jobs.data"),
            **{kind: code_version_of(TRAINING, module) for kind, module in MODEL_MODULES.items()},
            # Judged by the classifier: a classifier alone, a VAE's reconstructions, AVAE's associations.
            "evaluate_classifier": code_version_of(EVALUATION, MODEL_MODULES["classifier"]),
            "evaluate_vae": code_version_of(EVALUATION, MODEL_MODULES["vae"], MODEL_MODULES["classifier"]),
            "evaluate": code_version_of(EVALUATION, MODEL_MODULES["associator"], MODEL_MODULES["classifier"]),
            "collect": code_version_of("crossmodal.jobs.collection"),
        }

    # --- studies ------------------------------------------------------------------------------

    @property
    def study_names(self) -> list[str]:
        return list(self.config.get("studies", DEFAULT_STUDIES))

    @property
    def rule_studies(self) -> list[str]:
        """The studies whose rules the run needs: the configured ones, and the studies whose models
        they reuse (a plan's ``USES_RULES_OF``), each once."""
        names: list[str] = []
        for name, plan in zip(self.study_names, self.studies()):
            names += [*getattr(plan, "USES_RULES_OF", ()), name]
        return list(dict.fromkeys(names))

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

    def prepare_options(self, dataset: str) -> dict[str, Any]:
        return canonical(dict(self.config["datasets"][dataset]))

    def classifier_params(self, dataset: str) -> dict[str, Any]:
        return canonical(model_params(self.config, "classifier", dataset=dataset))

    def vae_params(self, dataset: str, dim: int | str) -> dict[str, Any]:
        params = model_params(self.config, "vae", dataset=dataset)
        params["latent_dim"] = int(dim)
        return canonical(params)

    def style(self) -> dict[str, Any]:
        """The one style every figure is drawn in."""
        return canonical({k: self.config["report"][k] for k in STYLE_KEYS})

    def report_code(self, rule: str) -> str:
        studies = [f"crossmodal.studies.{name}" for name in self.study_names] if rule in STUDY_REPORT_RULES else []
        return code_version_of(*REPORT_ROOTS[rule], *studies)

    def report_settings(self) -> dict[str, Any]:
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
        return canonical(settings)

    # --- the files a run asks for --------------------------------------------------------------

    def raw_verified(self) -> list[str]:
        """What acquisition verified, per dataset: the acquire rule's output beside the raw folder.
        (The DVC record, ``<dataset>.dvc``, is tracked by git: no rule declares it, so that a
        failed acquisition, which Snakemake cleans up after, can never delete it.)"""
        return [self.paths.path("raw_verified", dataset=dataset) for dataset in self.datasets]

    def prepared(self) -> list[str]:
        return [self.paths.path("prepared", dataset=dataset) for dataset in self.datasets]

    def study_pages(self) -> list[str]:
        """The report's page of each study the config runs, beside the index page."""
        return [self.paths.path("study_page", study=study) for study in self.study_names]

    def run_dvc_records(self) -> list[str]:
        return [self.paths.path("run_dvc_record", dataset=dataset) for dataset in self.datasets]

    def run_verified_records(self) -> list[str]:
        return [self.paths.path("run_verified_record", dataset=dataset) for dataset in self.datasets]

    def table2_fragments(self) -> list[str]:
        """Every dataset's classifier and VAE, judged by the classifier: AVAE's Table 2 (a study
        that only reads a dataset's evaluator does not train every dataset's VAE for it)."""
        fragments = []
        for dataset in self.datasets:
            for seed in self.seeds:
                fragments.append(self.paths.path("classifier_metrics", dataset=dataset, seed=seed))
                fragments.append(self.paths.path("vae_metrics", dataset=dataset, dim=self.latent_dim, seed=seed))
        return fragments

    def metric_fragments(self) -> list[str]:
        """Every per-job metrics file that metrics.csv merges, without repeats, in a fixed order."""
        fragments = []
        for study in self.studies():
            fragments += study.metric_fragments(self)
        return list(dict.fromkeys(fragments))

    def report_figures(self) -> list[str]:
        figures = [self.paths.path("figure", figure="training")]
        for study in self.studies():
            figures += study.report_figures(self)
        return list(dict.fromkeys(figures))

    def table_outputs(self) -> dict[str, str]:
        """The tables rule's named outputs: ``<table>_csv`` and ``<table>_tex`` for every table of
        every study the config runs (crossmodal.report.exports.write_tables writes them)."""
        from crossmodal.studies import registry

        studies = registry()
        tables = [table for name in self.study_names for table in studies[name].table_captions]
        return {f"{table}_{suffix}": self.paths.path(f"table_{suffix}", table=table)
                for table in tables for suffix in ("csv", "tex")}

    # --- per-rule helpers ------------------------------------------------------------------------

    def figure_data_input(self, figure: str) -> str:
        """What a single figure is drawn from: metrics.csv for Figure 5, the model summaries for training."""
        return {"figure5": self.paths.path("metrics"), "training": self.paths.path("run_models")}[figure]

    # --- the specs of the shared rules' jobs ----------------------------------------------------
    # Built from the wildcards, not from a rule's input or output: Snakemake leaves params derived
    # from those out of its rerun check, and a spec must rerun its job when a setting changes. The
    # exceptions take only files (their rule's input, in its order): a changed file list reruns them as
    # a changed input, while a mere reordering of the config's datasets does not.

    def acquire(self, w: Any) -> str:
        return job_spec("acquire", dataset=w.dataset, raw_dir=self.paths.raw_dir)

    def prepare(self, w: Any) -> str:
        return job_spec("prepare", dataset=w.dataset, raw_dir=self.paths.raw_dir, params=self.prepare_options(w.dataset),
                        out=self.paths.path("prepared", dataset=w.dataset))

    def train_classifier(self, w: Any) -> str:
        return job_spec("train-classifier", data=self.paths.path("prepared", dataset=w.dataset),
                        params=self.classifier_params(w.dataset), seed=w.seed,
                        out=self.paths.path("classifier", dataset=w.dataset, seed=w.seed))

    def train_vae(self, w: Any) -> str:
        return job_spec("train-vae", data=self.paths.path("prepared", dataset=w.dataset),
                        params=self.vae_params(w.dataset, w.dim), seed=w.seed,
                        out=self.paths.path("vae", dataset=w.dataset, dim=w.dim, seed=w.seed))

    def encode_latents(self, w: Any) -> str:
        p = self.paths
        return job_spec("encode-latents", data=p.path("prepared", dataset=w.dataset),
                        vae=p.path("vae", dataset=w.dataset, dim=w.dim, seed=w.seed),
                        out=p.path("latents", dataset=w.dataset, dim=w.dim, seed=w.seed))

    def evaluate_classifier(self, w: Any) -> str:
        p = self.paths
        return job_spec("evaluate-classifier", data=p.path("prepared", dataset=w.dataset),
                        classifier=p.path("classifier", dataset=w.dataset, seed=w.seed), seed=w.seed,
                        out=p.path("classifier_metrics", dataset=w.dataset, seed=w.seed))

    def evaluate_vae(self, w: Any) -> str:
        p = self.paths
        return job_spec("evaluate-vae", data=p.path("prepared", dataset=w.dataset),
                        vae=p.path("vae", dataset=w.dataset, dim=w.dim, seed=w.seed),
                        classifier=p.path("classifier", dataset=w.dataset, seed=w.seed), seed=w.seed,
                        out=p.path("vae_metrics", dataset=w.dataset, dim=w.dim, seed=w.seed))

    def collect_metrics(self, fragments: Sequence[str]) -> str:
        return job_spec("collect-metrics", fragments=list(fragments), out=self.paths.path("metrics"))

    def collect_run_records(self, verified: Sequence[str]) -> str:
        """The run's records, given each dataset's verification record (the rule's input); its DVC
        record lies beside it."""
        datasets = [parse("raw_verified", path)["dataset"] for path in verified]
        return job_spec("collect-run-records", models_dir=self.paths.models, benchmarks_dir=self.paths.benchmarks,
                        dvc_records=[self.paths.path("raw_record", dataset=d) for d in datasets],
                        verified_records=list(verified), out_dir=self.paths.folder("run_models"))

    def split_sizes(self, prepared: Sequence[str]) -> str:
        return job_spec("split-sizes", prepared=list(prepared), out=self.paths.path("split_sizes"))

    def dvc_metrics(self, fragments: Sequence[str]) -> str:
        return job_spec("dvc-metrics", fragments=list(fragments), headline=self.paths.path("headline_metrics"),
                        figure5=self.paths.path("figure5_data"))

    def plot_figure_data(self, w: Any) -> str:
        """A figure drawn from the figure data of its name (qualitative grids, latent spaces)."""
        return job_spec("plot", figure=w.figure, data=self.paths.path("figure_data", figure=w.figure, name=w.name),
                        style=self.style(), **self.paths.plotted("figure_of_data", figure=w.figure, name=w.name))

    def plot_run_figure(self, w: Any) -> str:
        """A figure of the whole run (Figure 5, training curves)."""
        return job_spec("plot", figure=w.figure, data=self.figure_data_input(w.figure), style=self.style(),
                        **self.paths.plotted("figure", figure=w.figure))

    def tables(self) -> str:
        return job_spec("tables", metrics=self.paths.path("metrics"), params=self.report_settings(),
                        out_dir=self.paths.folder("table_csv"))

    def report(self, config_file: str) -> str:
        """The report of the run; ``config_file``: the rule's input (its path is no setting)."""
        return job_spec("report", config_file=config_file, params=self.report_settings(),
                        report_dir=self.paths.reports, out=self.paths.path("report"),
                        run_record=self.paths.path("run_record"))
