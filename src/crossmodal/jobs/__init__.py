"""The jobs every workflow rule runs, one per name: its spec (``crossmodal.jobs.specs``) and the
function that takes it. The CLI (``python -m crossmodal <job> '<spec JSON>'``) is generated from
this registry. Nothing here knows about Snakemake, so every job also runs (and is tested) on its own.

Torch-free on purpose: the workflow builds specs at parse time, and the CLI imports a job's module
only when it runs it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crossmodal.jobs import specs as s
from crossmodal.studies.bridged import specs as bridged_specs
from crossmodal.studies.cmmd import specs as cmmd_specs
from crossmodal.studies.m2vae import specs as m2vae_specs


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
    # The Bridged VAE study (crossmodal.studies.bridged).
    "bridged-train": Job(bridged_specs.BridgedTrainSpec, "crossmodal.studies.bridged.jobs:train",
                         "train a method of the Bridged VAE study (the Bridged VAE's bridges from its joint model)"),
    "bridged-evaluate": Job(bridged_specs.BridgedEvaluateSpec, "crossmodal.studies.bridged.jobs:evaluate",
                            "the Bridged VAE study's log-likelihoods, label errors, generation and parameter counts"),
    "bridged-grid": Job(bridged_specs.BridgedGridSpec, "crossmodal.studies.bridged.jobs:cross_generation_grid",
                        "figure data: a trimodal model's cross-generation between its two images (Figures 6-7)"),

    # --- the M2VAE study (crossmodal.studies.m2vae) ---
    **{f"m2vae-{name}": Job(spec, f"crossmodal.studies.m2vae.{function}", help) for name, spec, function, help in (
        ("generate-mog", m2vae_specs.GenerateMoGSpec, "jobs:generate_mog", "the MoG toy dataset"),
        ("train-cvae", m2vae_specs.TrainCVAESpec, "jobs:train_cvae", "a dataset's CVAE, the e-MNIST generator"),
        ("generate-emnist", m2vae_specs.GenerateEMNISTSpec, "jobs:generate_emnist", "e-MNIST from the two CVAEs"),
        ("shuffle", m2vae_specs.ShuffleSpec, "jobs:shuffle", "me-MNIST: a modality shuffled within each class"),
        ("train", m2vae_specs.TrainStudyModelSpec, "jobs:train", "M2VAE, JMVAE-Zero, tVAE or JMVAE-kl"),
        ("evaluate", m2vae_specs.EvaluateStudyModelSpec, "evaluate:evaluate",
         "Eq. 12 ELBOs, latent-space measures and figure data of a trained model"),
        ("data-figure", m2vae_specs.DataFigureSpec, "evaluate:data_figure", "figure data: a generated dataset's sample"),
        ("plot", m2vae_specs.StudyPlotSpec, "figures:plot", "draw one of the study's figures"),
    )},
}
# --- the CMMD study's jobs -----------------------------------------------------------------------
_CMMD = "crossmodal.studies.cmmd"
JOBS.update({
    "cmmd-two-view": Job(cmmd_specs.GenerateTwoViewSpec, f"{_CMMD}.jobs:generate_two_view",
                         "two-view noisy MNIST from the prepared MNIST"),
    "cmmd-text": Job(cmmd_specs.GenerateTextSpec, f"{_CMMD}.jobs:generate_text",
                     "MNIST-FSDD-Text: each MNIST image's FSDD partner and its digit text"),
    "cmmd-train": Job(cmmd_specs.TrainModelSpec, f"{_CMMD}.jobs:train_model", "one method on a CMMD study dataset"),
    "cmmd-evaluate": Job(cmmd_specs.EvaluateModelSpec, f"{_CMMD}.evaluation:evaluate_model",
                         "a CMMD study model's metrics: error from x_o, collapse, coherence, overhead"),
    "cmmd-plot": Job(cmmd_specs.PlotSpec, f"{_CMMD}.figures:plot", "draw a CMMD study figure from metrics.csv"),
})
# --- end of the CMMD study's jobs
