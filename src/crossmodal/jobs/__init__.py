"""The jobs every workflow rule runs, one per name: its spec (``crossmodal.jobs.specs``) and the
function that takes it. The CLI (``python -m crossmodal <job> '<spec JSON>'``) is generated from
this registry. Nothing here knows about Snakemake, so every job also runs (and is tested) on its own.

Torch-free on purpose: the workflow builds specs at parse time, and the CLI imports a job's module
only when it runs it.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crossmodal.jobs import specs as s


@dataclass(frozen=True)
class Job:
    spec: type
    function: str  # "<module>:<function>", imported on use
    help: str = ""

    @property
    def module(self) -> str:
        return self.function.partition(":")[0]

    def load(self) -> Callable[[Any], Any]:
        module, _, name = self.function.partition(":")
        return getattr(importlib.import_module(module), name)


_DATA, _TRAIN, _EVAL = "crossmodal.jobs.data", "crossmodal.jobs.training", "crossmodal.jobs.evaluation"
_REPORT = "crossmodal.jobs.reporting"
JOBS: dict[str, Job] = {
    "acquire": Job(s.AcquireSpec, f"{_DATA}:acquire", "download + verify a dataset's raw files, record them in DVC"),
    "prepare": Job(s.PrepareSpec, f"{_DATA}:prepare", "raw files -> prepared tensors"),
    "train-classifier": Job(s.TrainSpec, f"{_TRAIN}:train_classifier", "a dataset's evaluator classifier"),
    "train-vae": Job(s.TrainSpec, f"{_TRAIN}:train_vae", "a dataset's VAE"),
    "encode-latents": Job(s.EncodeLatentsSpec, f"{_TRAIN}:encode_latents",
                          "cache a frozen encoder's posterior of every sample"),
    "train-associator": Job(s.TrainAssociatorSpec, f"{_TRAIN}:train_associator", "AVAE's associator of a scenario"),
    "train-baseline": Job(s.TrainBaselineSpec, f"{_TRAIN}:train_baseline",
                          "train one of AVAE Table 1's baselines on a scenario's pairs"),
    "evaluate-classifier": Job(s.EvaluateClassifierSpec, f"{_EVAL}:evaluate_classifier"),
    "evaluate-vae": Job(s.EvaluateVAESpec, f"{_EVAL}:evaluate_vae"),
    "evaluate-association": Job(s.EvaluateAssociationSpec, f"{_EVAL}:evaluate_association",
                                "cross-modal accuracy of AVAE: E_i -> A_ji -> D_j"),
    "evaluate-baseline": Job(s.EvaluateBaselineSpec, f"{_EVAL}:evaluate_baseline",
                             "cross-modal accuracy of a trained baseline"),
    "evaluate-cascade": Job(s.CascadeSpec, f"{_EVAL}:evaluate_cascade",
                            "Table 3: association through a chain of associators vs direct"),
    "evaluate-sweep-point": Job(s.SweepPointSpec, f"{_REPORT}:evaluate_sweep_point",
                                "one setting of a validation sweep: a baseline's accuracy on the source's validation split"),
    "class-prototypes": Job(s.ClassPrototypesSpec, f"{_REPORT}:class_prototypes",
                            "model selection: does the evaluator recognise each class's Eq. 7 prototype of a VAE?"),
    "collect-metrics": Job(s.CollectMetricsSpec, "crossmodal.jobs.collection:collect_metrics",
                           "merge per-job metric fragments into metrics.csv"),
    "plot": Job(s.PlotSpec, f"{_REPORT}:plot", "draw one figure (PNG and PDF) from its data under reports/<config>/"),
    "project-latents": Job(s.ProjectLatentsSpec, f"{_REPORT}:project_latents",
                           "figure data: 2-D projections of two latent spaces and an associator"),
    "collect-run-records": Job(s.CollectRunRecordsSpec, f"{_REPORT}:collect_run_records",
                               "model summaries, benchmarks and DVC records -> reports/"),
    "split-sizes": Job(s.SplitSizesSpec, f"{_REPORT}:split_sizes",
                       "samples per split and class of prepared datasets -> reports/"),
    "tables": Job(s.TablesSpec, f"{_REPORT}:tables", "the report's tables as CSV and LaTeX"),
    "dvc-metrics": Job(s.DvcMetricsSpec, f"{_REPORT}:dvc_metrics",
                       "the headline metrics and Figure 5 curves dvc.yaml declares"),
    "report": Job(s.ReportSpec, f"{_REPORT}:report", "render reports/<config>/report.html"),
    "combine-runs": Job(s.CombineRunsSpec, f"{_REPORT}:combine_runs",
                        "one report from finished runs of one config that hold different seeds "
                        "(or one run's report again, from its record)"),
}


def _study_jobs() -> dict[str, Job]:
    """Each study's jobs, from the ``JOBS`` table of its ``specs`` module: ``{name: (spec class,
    "module:function", help)}``. Found by folder, so that adding a study edits no list here, and
    imported dynamically, so that no job's code version (crossmodal.code_versions, which follows
    import statements) takes in another study's code."""
    from crossmodal.config import study_names

    found: dict[str, Job] = {}
    for study in study_names():
        module = f"crossmodal.studies.{study}.specs"
        if importlib.util.find_spec(module) is None:
            continue
        for name, (spec, function, help_text) in getattr(importlib.import_module(module), "JOBS", {}).items():
            if name in JOBS or name in found:
                raise ValueError(f"study {study!r} registers the job {name!r} a second time")
            found[name] = Job(spec, function, help_text)
    return found


JOBS.update(_study_jobs())
