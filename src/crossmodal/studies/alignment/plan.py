"""Which files the alignment study asks for, and each of its jobs' spec.

The alignment reuses the AVAE study's models: VAE1 is a scenario's VAE-CG at full pairing, VAE2 its
target's per-modality VAE, and the page's comparisons are AVAE's Table 1 rows. So the study runs on
the AVAE study's rules (:data:`USES_RULES_OF`), and a run of both trains each of them once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossmodal.config import deep_merge, model_params
from crossmodal.methods import BASELINES
from crossmodal.studies.avae import plan as avae
from crossmodal.workflow import EVALUATION, TRAINING, Workflow, canonical, job_spec

SECTION = "alignment"
USES_RULES_OF = ("avae",)
EXPERIMENT = "alignment"
DISTANCES = {"alignment": "wasserstein", "alignment_kl": "kl"}
METHOD_PATTERN = "|".join(sorted(DISTANCES, key=len, reverse=True))
CODE_MODULES = ("crossmodal.studies.alignment.jobs", "crossmodal.models.alignment")


class AlignmentSettingError(ValueError):
    """A setting of the config's ``alignment`` section the study cannot run."""


def settings(wf: Workflow) -> Mapping[str, Any]:
    return wf.config[SECTION]


def methods(wf: Workflow) -> list[str]:
    return list(settings(wf)["methods"])


def comparisons(wf: Workflow) -> list[str]:
    """The AVAE Table 1 methods the page compares with; each must be a Table 1 method of the config."""
    names = list(settings(wf)["compare_with"])
    known = ["avae", *wf.config["baselines"]]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise AlignmentSettingError(f"setting alignment.compare_with: {unknown} are not Table 1 methods of config "
                                    f"{wf.config['name']!r} (its baselines and avae: {known})")
    return names


def aligner_params(wf: Workflow, method: str) -> dict[str, Any]:
    """The aligner's settings: AVAE's associator's network and training, unless the section says otherwise."""
    section, associator = settings(wf), model_params(wf.config, "associator")
    architecture = deep_merge(associator["architecture"], section["architecture"])
    return canonical({"architecture": architecture, "distance": DISTANCES[method], "weight": section["weight"],
                      "sample_source_latent": section["sample_source_latent"],
                      "train": deep_merge(associator["train"], section["train"])})


# --- the files a config asks for -----------------------------------------------------------------


def _fields(wf: Workflow, method: str, scenario: Mapping[str, Any], seed: int) -> dict[str, Any]:
    return {"method": method, "source": scenario["source"], "target": scenario["target"], "sdim": wf.latent_dim,
            "tdim": wf.latent_dim, "fraction": 1.0, "seed": seed}


def alignment_fragments(wf: Workflow) -> list[str]:
    return [wf.paths.path("association_metrics", experiment=EXPERIMENT, **_fields(wf, method, s, seed))
            for s in wf.config["scenarios"] for method in methods(wf) for seed in wf.seeds]


def comparison_fragments(wf: Workflow) -> list[str]:
    """AVAE Table 1's cells of the compared methods (the AVAE study's own files)."""
    return [wf.paths.path("association_metrics", experiment="table1", **_fields(wf, method, s, seed))
            for s in wf.config["scenarios"] for method in comparisons(wf)
            if method == "avae" or method in avae.scenario_baselines(wf, s) for seed in wf.seeds]


def metric_fragments(wf: Workflow) -> list[str]:
    return alignment_fragments(wf) + comparison_fragments(wf)


def report_figures(wf: Workflow) -> list[str]:
    """The qualitative grid of each method and scenario, first seed."""
    return [wf.paths.path("sample_grid", **_fields(wf, method, s, wf.seeds[0]))
            for s in wf.config["scenarios"] for method in methods(wf)]


def report_settings(wf: Workflow) -> dict[str, Any]:
    return {SECTION: {"methods": methods(wf), "compare_with": comparisons(wf),
                      "params": {method: aligner_params(wf, method) for method in methods(wf)}}}


# --- the jobs' specs -----------------------------------------------------------------------------


def code(wf: Workflow) -> str:
    from crossmodal.code_versions import code_version_of

    return code_version_of(TRAINING, *CODE_MODULES)


def evaluation_code(wf: Workflow) -> str:
    from crossmodal.code_versions import code_version_of

    return code_version_of(EVALUATION, *CODE_MODULES)


def inputs(wf: Workflow, w: Any) -> dict[str, str]:
    """VAE1 (the scenario's VAE-CG of Table 1), VAE2 (the target's VAE) and both datasets."""
    if "vae_cg" not in BASELINES:
        raise AlignmentSettingError("the alignment needs the VAE-CG baseline as its VAE1, and it is not registered")
    return {"vae_cg": avae.baseline_model(wf, "vae_cg", w.source, w.target, w.sdim, w.seed),
            "target_vae": wf.paths.path("vae", dataset=w.target, dim=w.tdim, seed=w.seed),
            "source_data": wf.paths.path("prepared", dataset=w.source),
            "target_data": wf.paths.path("prepared", dataset=w.target)}


def train(wf: Workflow, w: Any) -> str:
    if w.sdim != w.tdim:
        raise AlignmentSettingError(f"VAE-CG has one latent size; got {w.sdim} and {w.tdim}")
    return job_spec("alignment-train", method=w.method, **inputs(wf, w), params=aligner_params(wf, w.method),
                    class_map=wf.class_map(w.source, w.target), seed=w.seed,
                    out=wf.paths.path("aligner", method=w.method, source=w.source, target=w.target, sdim=w.sdim,
                                      tdim=w.tdim, seed=w.seed))


def evaluation_inputs(wf: Workflow, w: Any) -> dict[str, str]:
    found = inputs(wf, w)
    return {"source_data": found["source_data"], "vae_cg": found["vae_cg"], "target_vae": found["target_vae"],
            "aligner": wf.paths.path("aligner", method=w.method, source=w.source, target=w.target, sdim=w.sdim,
                                     tdim=w.tdim, seed=w.seed),
            "target_classifier": wf.paths.path("classifier", dataset=w.target, seed=w.seed)}


def evaluate(wf: Workflow, w: Any) -> str:
    fields = {"method": w.method, "source": w.source, "target": w.target, "sdim": w.sdim, "tdim": w.tdim,
              "fraction": w.fraction, "seed": w.seed}
    return job_spec("alignment-evaluate", **evaluation_inputs(wf, w), method=w.method, source=w.source,
                    target=w.target, class_map=wf.class_map(w.source, w.target), paired_fraction=1.0, seed=w.seed,
                    experiment=EXPERIMENT, grid_samples=wf.config["report"]["grid_samples"], method_summary=True,
                    summary_experiment=EXPERIMENT,
                    out=wf.paths.path("association_metrics", experiment=EXPERIMENT, **fields),
                    samples_out=wf.paths.path("sample_data", **fields),
                    predictions_out=wf.paths.path("prediction_data", experiment=EXPERIMENT, **fields))
