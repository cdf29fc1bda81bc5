"""The AVAE study's part of the workflow (``workflow/rules/avae.smk``): which result files a config
asks for, and what its rules take (inputs, parameters, command lines).

Table 1 (AVAE and the baselines in every scenario), Table 3 (cascades), Figure 5 (paired-fraction
sweep), ours-flex (per-dataset latent sizes) and the validation sweeps of the baselines. They reuse
the shared per-modality classifiers and VAEs; each experiment is off unless config key
``experiments.<name>`` is set. Torch-free: the Snakefile imports it at parse time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from crossmodal.code_versions import code_version_of
from crossmodal.config import baseline_params, configured_sweep_setting, find_scenario, sweep_job_params
from crossmodal.config import model_params, shares_pair_model
from crossmodal.methods import BASELINES, PAIRWISE
from crossmodal.workflow import EVALUATION, TRAINING, Workflow, canonical, job_spec

# The association methods of AVAE itself (the others in Table 1 are BASELINES).
AVAE_METHODS = ("avae", "avae_flex")
# Longest names first, so that "vae_cg_x" never parses as method "vae" of a dataset "cg_x".
BASELINE_PATTERN = "|".join(sorted(BASELINES, key=len, reverse=True))
# What the pairwise training rule makes: the baselines, and the benchmark's further pairwise methods.
PAIRWISE_PATTERN = "|".join(sorted(PAIRWISE, key=len, reverse=True))
ASSOCIATION_METHOD_PATTERN = "|".join(sorted([*BASELINES, *AVAE_METHODS], key=len, reverse=True))
# Experiments a cross-modal method is scored in beyond Table 1: the experiment folder of its metrics
# file and the metrics.csv experiment column (ours-flex is a Table 1 row with its own files).
EXPERIMENT_COLUMNS = {"figure5": "figure5", "flex": "table1"}
EXPERIMENT_PATTERN = "|".join(EXPERIMENT_COLUMNS)


def _experiments(wf: Workflow) -> Mapping[str, Any]:
    return wf.config["experiments"]


def flex_dims(wf: Workflow) -> dict[str, int]:
    return _experiments(wf).get("flex", {}).get("latent_dims", {})


def scenario_baselines(wf: Workflow, scenario: Mapping[str, Any]) -> list[str]:
    """The baselines of a scenario's Table 1 cell: its own list, or the config's."""
    return scenario.get("baselines", wf.config["baselines"])


def model_pair(wf: Workflow, method: str, source: str, target: str) -> tuple[str, str]:
    """The (source, target) that a baseline's model of the scenario is named and trained after:
    the scenario itself, or for a baseline that shares one model per pair, the first configured
    scenario of the pair (so that both directions read one model)."""
    if shares_pair_model(wf.config, method, source, target):
        for scenario in wf.config["scenarios"]:
            if {scenario["source"], scenario["target"]} == {source, target}:
                return scenario["source"], scenario["target"]
    return source, target


def pair_class_map(wf: Workflow, a: str, b: str) -> dict[int, int]:
    """The class map of a pair's shared model (a's classes to b's): the scenario a -> b's, which the
    scenario b -> a, where configured, must invert."""
    forward = wf.class_map(a, b)
    if find_scenario(wf.config, b, a) is not None:
        inverse = {t: c for c, t in forward.items()}
        if len(inverse) != len(forward) or inverse != wf.class_map(b, a):
            raise ValueError(f"one_model_per_pair: the scenarios {a} -> {b} and {b} -> {a} share one model per "
                             f"method, but their class maps are not each other's inverse ({forward} and "
                             f"{wf.class_map(b, a)}); give them inverse maps or leave these methods directed")
    return forward


def sweep_seeds(wf: Workflow, sweep: Mapping[str, Any]) -> list[int]:
    """The sweep's seeds (default: the run's first seed) that this run has. A run of other seeds
    only (make reproduce SEEDS=1) leaves the sweep to the run that has them (crossmodal.report.combine)."""
    return [seed for seed in sweep.get("seeds", wf.seeds[:1]) if seed in wf.seeds]


# --- the files a config asks for -----------------------------------------------------------------


def _association(wf: Workflow, kind: str, method: str, scenario: Mapping[str, Any], **fields: Any) -> str:
    fields.setdefault("sdim", wf.latent_dim)
    fields.setdefault("tdim", wf.latent_dim)
    fields.setdefault("fraction", 1.0)
    return wf.paths.path(kind, method=method, source=scenario["source"], target=scenario["target"], **fields)


def table1_fragments(wf: Workflow, methods: str = "avae") -> list[str]:
    """AVAE's (``methods="avae"``) or the baselines' (``"baselines"``) Table 1 cells: every scenario,
    with each scenario's own baselines."""
    return [_association(wf, "association_metrics", method, s, experiment="table1", seed=seed)
            for s in wf.config["scenarios"]
            for method in (["avae"] if methods == "avae" else scenario_baselines(wf, s))
            for seed in wf.seeds]


def figure5_fragments(wf: Workflow, methods: str = "avae") -> list[str]:
    """AVAE's or every baseline's accuracy at each paired fraction of the sweep's scenario."""
    sweep = _experiments(wf).get("figure5")
    if sweep is None:
        return []
    return [_association(wf, "association_metrics", method, sweep, experiment="figure5", fraction=fraction, seed=seed)
            for method in (["avae"] if methods == "avae" else wf.config["baselines"])
            for fraction in sweep["paired_fractions"] for seed in wf.seeds]


def flex_fragments(wf: Workflow) -> list[str]:
    """Table 1 'ours-flex' for every scenario touching a flex dataset; Table 2 at the flex sizes."""
    dims = flex_dims(wf)
    table1 = [_association(wf, "association_metrics", "avae_flex", s, experiment="flex", seed=seed,
                           sdim=dims.get(s["source"], wf.latent_dim), tdim=dims.get(s["target"], wf.latent_dim))
              for s in wf.config["scenarios"] if s["source"] in dims or s["target"] in dims for seed in wf.seeds]
    table2 = [wf.paths.path("vae_metrics", dataset=dataset, dim=dim, seed=seed)
              for dataset, dim in dims.items() for seed in wf.seeds]
    return table1 + table2


def table3_fragments(wf: Workflow) -> list[str]:
    return [wf.paths.path("cascade_metrics", path=cascade, dim=wf.latent_dim, seed=seed)
            for cascade in _experiments(wf).get("table3", {}).get("cascades", []) for seed in wf.seeds]


def sweep_fragments(wf: Workflow) -> list[str]:
    return [wf.paths.path("sweep_metrics", method=s["method"], source=s["source"], target=s["target"],
                          dim=wf.latent_dim, param=s["param"], value=value, seed=seed)
            for s in wf.config["validation_sweeps"] for value in s["values"] for seed in sweep_seeds(wf, s)]


def metric_fragments(wf: Workflow) -> list[str]:
    """Every metrics file of the study, in the order metrics.csv lists them."""
    return (wf.table2_fragments() + table1_fragments(wf) + figure5_fragments(wf) + flex_fragments(wf) + table3_fragments(wf)
            + table1_fragments(wf, "baselines") + figure5_fragments(wf, "baselines") + sweep_fragments(wf))


def report_figures(wf: Workflow) -> list[str]:
    """A qualitative grid per method and scenario, a latent-space figure per scenario (first seed), Figure 5."""
    first = wf.seeds[0]
    grids = [_association(wf, "sample_grid", method, s, seed=first)
             for s in wf.config["scenarios"] for method in ("avae", *scenario_baselines(wf, s))]
    latents = [wf.paths.path("latent_figure", source=s["source"], target=s["target"], sdim=wf.latent_dim,
                             tdim=wf.latent_dim, seed=first)
               for s in wf.config["scenarios"]]
    return grids + latents + [wf.paths.path("figure", figure="figure5")]


def report_settings(wf: Workflow) -> dict[str, Any]:
    """What the report shows of each validation sweep (its seeds in this run, the configured value),
    and the baselines' code versions."""
    sweeps = [{**s, "seeds": sweep_seeds(wf, s), "configured": configured_sweep_setting(wf.config, s)}
              for s in wf.config["validation_sweeps"]]
    code = {f"baseline_{name}": baseline_code(name) for name in BASELINES}
    return {"validation_sweeps": sweeps, "code": code}


# --- code versions -------------------------------------------------------------------------------


def _model_module(method: str) -> str:
    """The module the registry names for ``method``'s model ("crossmodal.models" builds it)."""
    return PAIRWISE[method].model.partition(":")[0]


def baseline_code(method: str) -> str:
    """Editing one method's module reruns exactly that method's jobs."""
    return code_version_of(TRAINING, "crossmodal.models", _model_module(method))


def evaluation_code(wf: Workflow, method: str) -> str:
    if method in PAIRWISE:
        return code_version_of(EVALUATION, "crossmodal.models", _model_module(method))
    return wf.code["evaluate"]


def sweep_evaluation_code() -> str:
    return code_version_of("crossmodal.selection", EVALUATION)


# --- training ------------------------------------------------------------------------------------


def train_associator(wf: Workflow, w: Any) -> str:
    p = wf.paths
    params = model_params(wf.config, "associator", scenario=wf.scenario(w.source, w.target))
    return job_spec("train-associator", source_latents=p.path("latents", dataset=w.source, dim=w.sdim, seed=w.seed),
                    target_data=p.path("prepared", dataset=w.target),
                    target_vae=p.path("vae", dataset=w.target, dim=w.tdim, seed=w.seed), params=canonical(params),
                    class_map=wf.class_map(w.source, w.target), paired_fraction=w.fraction, seed=w.seed,
                    out=p.path("associator", source=w.source, target=w.target, sdim=w.sdim, tdim=w.tdim,
                               fraction=w.fraction, seed=w.seed))


def sweep_of(w: Any) -> dict[str, str]:
    return {"method": w.method, "source": w.source, "target": w.target, "param": w.param}


def _train_baseline(wf: Workflow, w: Any, params: dict[str, Any], fraction: str, out: str, shared: bool) -> str:
    """A baseline's model of one direction, or (``shared``) of the wildcards' pair, on symmetric pairs."""
    return job_spec("train-baseline", method=w.method, source_data=wf.paths.path("prepared", dataset=w.source),
                    target_data=wf.paths.path("prepared", dataset=w.target), params=canonical(params),
                    class_map=pair_class_map(wf, w.source, w.target) if shared else wf.class_map(w.source, w.target),
                    paired_fraction=fraction, seed=w.seed, out=out, pairing="symmetric" if shared else None)


def train_baseline(wf: Workflow, w: Any) -> str:
    """A pairwise method's model of one direction: Table 1's, and Figure 5's at each paired fraction
    (and the benchmark's, for its further methods)."""
    params = baseline_params(wf.config, PAIRWISE[w.method].family, w.source, w.target, int(w.dim))
    if PAIRWISE[w.method].observes_source:
        params["observed"] = w.source
    out = wf.paths.path("baseline", method=w.method, source=w.source, target=w.target, dim=w.dim, fraction=w.fraction,
                        seed=w.seed)
    return _train_baseline(wf, w, params, w.fraction, out, shared=False)


def train_pair_baseline(wf: Workflow, w: Any) -> str:
    """A symmetric pairwise method's full-pairing model of a modality pair (``w``: the pair's first
    scenario), with that scenario's settings (its source's training budget)."""
    params = baseline_params(wf.config, PAIRWISE[w.method].family, w.source, w.target, int(w.dim))
    out = wf.paths.path("pair_baseline", method=w.method, source=w.source, target=w.target, dim=w.dim,
                        fraction=w.fraction, seed=w.seed)
    return _train_baseline(wf, w, params, w.fraction, out, shared=True)


def train_sweep_baseline(wf: Workflow, w: Any) -> str:
    """A validation sweep's model: the baseline's Table 1 settings with the swept one at ``w.value``
    (of the scenario's pair, for a symmetric baseline that shares one model per pair)."""
    params = sweep_job_params(wf.config, sweep_of(w), json.loads(w.value))
    out = wf.paths.path("sweep_model", method=w.method, source=w.source, target=w.target, dim=w.dim, param=w.param,
                        value=w.value, seed=w.seed)
    return _train_baseline(wf, w, params, "1.0", out, shared=shares_pair_model(wf.config, w.method, w.source, w.target))


# --- evaluation ----------------------------------------------------------------------------------


def association_inputs(wf: Workflow, w: Any) -> dict[str, str]:
    """What a cross-modal method's evaluation reads: AVAE's E_i -> A_ji -> D_j, or a baseline's model;
    and the target's evaluator."""
    p = wf.paths
    inputs = {"source_data": p.path("prepared", dataset=w.source),
              "target_classifier": p.path("classifier", dataset=w.target, seed=w.seed)}
    if w.method in BASELINES:
        if w.sdim != w.tdim:
            raise ValueError(f"{w.method} has one latent space; got sizes {w.sdim} and {w.tdim}")
        inputs["model"] = baseline_model(wf, w.method, w.source, w.target, w.sdim, w.seed,
                                         getattr(w, "experiment", "table1"), w.fraction)
    else:
        inputs["source_vae"] = p.path("vae", dataset=w.source, dim=w.sdim, seed=w.seed)
        inputs["associator"] = p.path("associator", source=w.source, target=w.target, sdim=w.sdim, tdim=w.tdim,
                                      fraction=w.fraction, seed=w.seed)
        inputs["target_vae"] = p.path("vae", dataset=w.target, dim=w.tdim, seed=w.seed)
    return inputs


def evaluate_association(wf: Workflow, w: Any, experiment: str) -> str:
    """Table 1 (with the qualitative grid's data and the method's summary rows), Figure 5 or ours-flex.

    The methods rows come with Table 1's evaluation; Figure 5 adds a baseline's at fractions below 1
    (its fraction-1.0 model is Table 1's). AVAE's jobs run on the default threads, the baselines' on
    one, as they always have.
    """
    table1 = experiment == "table1"
    inputs = association_inputs(wf, w)
    fields = {"method": w.method, "source": w.source, "target": w.target, "sdim": w.sdim, "tdim": w.tdim,
              "fraction": w.fraction, "seed": w.seed}
    common = {"source": w.source, "target": w.target, "source_data": inputs["source_data"],
              "target_classifier": inputs["target_classifier"], "class_map": wf.class_map(w.source, w.target),
              "paired_fraction": w.fraction, "seed": w.seed,
              "experiment": "table1" if table1 else EXPERIMENT_COLUMNS[experiment],
              "grid_samples": wf.config["report"]["grid_samples"] if table1 else None,
              "out": wf.paths.path("association_metrics", experiment=experiment, **fields),
              "samples_out": wf.paths.path("sample_data", **fields) if table1 else None,
              "predictions_out": wf.paths.path("prediction_data", experiment=experiment, **fields)}
    if w.method in BASELINES:
        summary = table1 or float(w.fraction) != 1.0
        return job_spec("evaluate-baseline", model=inputs["model"], method_summary=summary, **common)
    return job_spec("evaluate-association", source_vae=inputs["source_vae"], associator=inputs["associator"],
                    target_vae=inputs["target_vae"], method=w.method, method_summary=table1, **common)


def evaluation_job(method: str) -> str:
    """The job (with its global options) that evaluates ``method``: AVAE's evaluations run on torch's
    default threads, the baselines' on one, as they always have (thread counts can change float sums)."""
    return "--threads 1 evaluate-baseline" if method in BASELINES else "evaluate-association"


def cascade_path(w: Any) -> list[str]:
    return w.path.split("-")


def _legs(w: Any) -> list[tuple[str, str]]:
    path = cascade_path(w)
    return list(zip(path[:-1], path[1:]))


def cascade_inputs(wf: Workflow, w: Any) -> dict[str, Any]:
    p, path, dim, seed = wf.paths, cascade_path(w), w.dim, w.seed

    def associator(s: str, t: str) -> str:
        return p.path("associator", source=s, target=t, sdim=dim, tdim=dim, fraction=1.0, seed=seed)

    return {
        "source_data": p.path("prepared", dataset=path[0]),
        "vaes": [p.path("vae", dataset=name, dim=dim, seed=seed) for name in path],
        "associators": [associator(s, t) for s, t in _legs(w)],
        "direct_associator": associator(path[0], path[-1]),
        "target_classifier": p.path("classifier", dataset=path[-1], seed=seed),
    }


def evaluate_cascade(wf: Workflow, w: Any) -> str:
    path, inputs = cascade_path(w), cascade_inputs(wf, w)
    return job_spec("evaluate-cascade", path=path, **inputs,
                   class_maps=[wf.class_map(s, t) for s, t in _legs(w)],
                   direct_class_map=wf.class_map(path[0], path[-1]), seed=w.seed,
                    out=wf.paths.path("cascade_metrics", path=w.path, dim=w.dim, seed=w.seed))


def baseline_model(wf: Workflow, method: str, source: str, target: str, dim: Any, seed: Any,
                   experiment: str = "table1", fraction: Any = 1.0) -> str:
    """The model a baseline's evaluation reads: for Table 1, a symmetric baseline's model of the
    pair where the config shares them; otherwise, and in Figure 5 (which trains one direction at
    every paired fraction, the FSDD source's budget included), the directed one."""
    if experiment == "table1" and shares_pair_model(wf.config, method, source, target):
        a, b = model_pair(wf, method, source, target)
        return wf.paths.path("pair_baseline", method=method, source=a, target=b, dim=dim, fraction=1.0, seed=seed)
    return wf.paths.path("baseline", method=method, source=source, target=target, dim=dim, fraction=fraction, seed=seed)


def sweep_model(wf: Workflow, w: Any) -> str:
    """The Table 1 model for the configured value, a sweep model for any other (of the scenario's
    pair, for a baseline that shares one model per pair)."""
    a, b = model_pair(wf, w.method, w.source, w.target)
    if float(w.value) == float(configured_sweep_setting(wf.config, {**sweep_of(w), "source": a, "target": b})):
        return baseline_model(wf, w.method, w.source, w.target, w.dim, w.seed)
    return wf.paths.path("sweep_model", method=w.method, source=a, target=b, dim=w.dim, param=w.param,
                         value=w.value, seed=w.seed)


def evaluate_sweep_point(wf: Workflow, w: Any) -> str:
    return job_spec("evaluate-sweep-point", source=w.source, target=w.target,
                    source_data=wf.paths.path("prepared", dataset=w.source), model=sweep_model(wf, w),
                    target_classifier=wf.paths.path("classifier", dataset=w.target, seed=w.seed),
                   class_map=wf.class_map(w.source, w.target), param=w.param, value=w.value, seed=w.seed,
                    out=wf.paths.path("sweep_metrics", method=w.method, source=w.source, target=w.target, dim=w.dim,
                                      param=w.param, value=w.value, seed=w.seed))


def latent_projection_inputs(wf: Workflow, w: Any) -> dict[str, str]:
    p = wf.paths
    return {"source_latents": p.path("latents", dataset=w.source, dim=w.sdim, seed=w.seed),
            "target_latents": p.path("latents", dataset=w.target, dim=w.tdim, seed=w.seed),
            "associator": p.path("associator", source=w.source, target=w.target, sdim=w.sdim, tdim=w.tdim, fraction=1.0,
                                 seed=w.seed),
            "source_classifier": p.path("classifier", dataset=w.source, seed=w.seed),
            "target_classifier": p.path("classifier", dataset=w.target, seed=w.seed)}


def project_latents(wf: Workflow, w: Any) -> str:
    return job_spec("project-latents", source=w.source, target=w.target, **latent_projection_inputs(wf, w),
                    class_map=wf.class_map(w.source, w.target), points=wf.config["report"]["latent_points"],
                    seed=w.seed, out=wf.paths.path("latent_data", source=w.source, target=w.target, sdim=w.sdim,
                                                   tdim=w.tdim, seed=w.seed))
