"""The Bridged VAE study's part of the workflow (``workflow/rules/bridged.smk``): the files a config
asks for and what its rules take. Settings: the config's ``bridged`` section (``schema.json``).

Every method of a setting (bimodal: an image dataset and its label; trimodal: two image datasets
paired by class and the label) is trained once per seed and scored by one evaluation job. The
Bridged VAE's bridges train from the setting's joint model (``bridged_joint``), which is phase 1.
Torch-free: the Snakefile imports it at parse time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossmodal.code_versions import code_version_of
from crossmodal.methods import METHODS
from crossmodal.workflow import Workflow, canonical, job_spec

LABEL = "label"
SETTINGS = ("bimodal", "trimodal")
SETTING_PATTERN = "|".join(SETTINGS)
TABLE_SETTINGS = {"table1": "bimodal", "table2": "bimodal", "table4": "trimodal"}
STUDY_METHODS = ("bridged_vae", "bridged_joint", "bridged_jmvae", "telbo", "bridged_mvae", "bridged", "bivcca")
METHOD_PATTERN = "|".join(sorted(STUDY_METHODS, key=len, reverse=True))
# Methods that model the image alone, or exactly two modalities.
UNIMODAL, BIMODAL_ONLY = ("bridged_vae",), ("bivcca",)
JOBS_MODULE = "crossmodal.studies.bridged.jobs"


class BridgedSettingError(ValueError):
    """A ``bridged`` setting the study cannot run; the message names it."""


def section(config: Mapping[str, Any]) -> Mapping[str, Any]:
    return config["bridged"]


def setting(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    found = section(config).get(name)
    if found is None:
        raise BridgedSettingError(f"setting bridged.{name} is not set in config {config['name']!r}")
    return found


def modalities(config: Mapping[str, Any], name: str) -> list[str]:
    """The setting's modalities in model order: its image datasets, then the label."""
    return [*setting(config, name)["images"], LABEL]


def model_modalities(config: Mapping[str, Any], name: str, method: str) -> list[str]:
    return modalities(config, name)[:1] if method in UNIMODAL else modalities(config, name)


def active_settings(config: Mapping[str, Any]) -> list[str]:
    """The settings the asked-for tables need, after checking every setting they name."""
    tables = list(section(config)["tables"])
    for table in tables:
        if TABLE_SETTINGS[table] == "trimodal" and section(config).get("trimodal") is None:
            raise BridgedSettingError(f"setting bridged.tables asks for {table}, a trimodal table, but config "
                                      f"{config['name']!r} is bimodal: bridged.trimodal is not set")
    names = [name for name in SETTINGS if name in {TABLE_SETTINGS[t] for t in tables}]
    for name in names:
        check_bridges(config, name)
        if name == "trimodal":
            wrong = [m for m in setting(config, name)["methods"] if m in UNIMODAL + BIMODAL_ONLY]
            if wrong:
                raise BridgedSettingError(f"setting bridged.trimodal.methods: {wrong} model one or two modalities")
        unknown = [d for d in setting(config, name)["images"] if d not in config["datasets"]]
        if unknown:
            raise BridgedSettingError(f"setting bridged.{name}.images: {unknown} are not among the config's "
                                      f"datasets {list(config['datasets'])}")
    return names


def check_bridges(config: Mapping[str, Any], name: str) -> None:
    """Every configured bridge joins two of the setting's modalities."""
    known = modalities(config, name)
    for pair in section(config)["bridges"]:
        if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= set(known):
            raise BridgedSettingError(f"setting bridged.bridges: bridge {pair} is not a pair of two of the "
                                      f"{name} study's modalities {known}")


def methods(config: Mapping[str, Any], name: str) -> list[str]:
    """The setting's methods, with the joint model wherever the Bridged VAE is (its phase 1)."""
    listed = list(setting(config, name)["methods"])
    return listed + ["bridged_joint"] if "bridged" in listed and "bridged_joint" not in listed else listed


def method_params(config: Mapping[str, Any], method: str) -> dict[str, Any]:
    s = section(config)
    params: dict[str, Any] = {"latent_dim": s["latent_dim"], "architectures": s["architectures"],
                              "train": s["train"], "kl_weight": s["kl_weight"],
                              **s["method_settings"].get(method, {})}
    if method in ("bridged", "bridged_joint"):
        params.update(central_hidden=s["central_hidden"], bridge_hidden=s["bridge_hidden"], bridges=s["bridges"],
                      score_predicted=s["score_predicted"], phase="bridges" if method == "bridged" else "joint")
    return canonical(params)


# --- the files a config asks for -----------------------------------------------------------------


def _model(wf: Workflow, method: str, name: str, seed: int | str) -> str:
    return wf.paths.path("bridged_model", method=method, name=name, dim=section(wf.config)["latent_dim"], seed=seed)


def metric_fragments(wf: Workflow) -> list[str]:
    dim = section(wf.config)["latent_dim"]
    return [wf.paths.path("bridged_metrics", method=method, name=name, dim=dim, seed=seed)
            for name in active_settings(wf.config) for method in methods(wf.config, name) for seed in wf.seeds]


GRID_NAME = "bridged-{method}-{source}-{target}-seed{seed}"  # a cross-generation grid's figure data and figure


def grid_methods(wf: Workflow) -> list[str]:
    """The trimodal methods with a posterior given one image (all but the joint model)."""
    if "trimodal" not in active_settings(wf.config):
        return []
    return [m for m in methods(wf.config, "trimodal") if m != "bridged_joint"]


def report_figures(wf: Workflow) -> list[str]:
    """Figures 6-7: each trimodal method's cross-generation both ways (first seed)."""
    images = setting(wf.config, "trimodal")["images"] if grid_methods(wf) else []
    return [wf.paths.path("figure_of_data", figure="samples",
                          name=GRID_NAME.format(method=method, source=s, target=t, seed=wf.seeds[0]))
            for method in grid_methods(wf) for s in images for t in images if s != t]


def report_settings(wf: Workflow) -> dict[str, Any]:
    s = section(wf.config)
    return {"bridged": canonical({**s, "settings": {name: modalities(wf.config, name)
                                                    for name in active_settings(wf.config)}}),
            "code": {"bridged_jobs": code_version_of(JOBS_MODULE)}}


# --- the rules' inputs and specs -----------------------------------------------------------------


def _prepared(wf: Workflow, name: str) -> dict[str, str]:
    return {d: wf.paths.path("prepared", dataset=d) for d in setting(wf.config, name)["images"]}


def train_inputs(wf: Workflow, w: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {"data": list(_prepared(wf, w.name).values())}
    if w.method == "bridged":
        inputs["joint"] = _model(wf, "bridged_joint", w.name, w.seed)
    return inputs


def train(wf: Workflow, w: Any) -> str:
    joint = _model(wf, "bridged_joint", w.name, w.seed) if w.method == "bridged" else None
    return job_spec("bridged-train", method=w.method, modalities=model_modalities(wf.config, w.name, w.method),
                    data=_prepared(wf, w.name), params=method_params(wf.config, w.method),
                    pairing_seed=section(wf.config)["pairing_seed"], seed=int(w.seed), init=joint,
                    out=_model(wf, w.method, w.name, w.seed))


def evaluate_inputs(wf: Workflow, w: Any) -> dict[str, Any]:
    return {"model": _model(wf, w.method, w.name, w.seed), "data": list(_prepared(wf, w.name).values()),
            "classifiers": [wf.paths.path("classifier", dataset=d, seed=w.seed) for d in _prepared(wf, w.name)]}


def evaluate(wf: Workflow, w: Any) -> str:
    s = section(wf.config)
    ll = s["log_likelihood"]
    return job_spec("bridged-evaluate", model=_model(wf, w.method, w.name, w.seed), setting=w.name,
                    study_modalities=modalities(wf.config, w.name), data=_prepared(wf, w.name),
                    classifiers={d: wf.paths.path("classifier", dataset=d, seed=w.seed) for d in _prepared(wf, w.name)},
                    pairing_seed=s["pairing_seed"], importance_samples=ll["importance_samples"], chunk=ll["chunk"],
                    test_examples=ll["test_examples"], train_examples=ll["train_examples"] if w.name == "bimodal" else 0,
                    generation_samples=s["generation_samples"], seed=int(w.seed),
                    out=wf.paths.path("bridged_metrics", method=w.method, name=w.name, dim=w.dim, seed=w.seed))


def code(method: str, evaluation: bool = False) -> str:
    """Editing the study's jobs or one method's module reruns exactly that method's jobs."""
    model_module = METHODS[method].model.partition(":")[0]
    roots = [JOBS_MODULE, model_module] + (["crossmodal.models.classifier"] if evaluation else [])
    return code_version_of(*roots)


def grid_inputs(wf: Workflow, w: Any) -> dict[str, Any]:
    return {"model": _model(wf, w.method, "trimodal", w.seed), "data": list(_prepared(wf, "trimodal").values()),
            "target_classifier": wf.paths.path("classifier", dataset=w.target, seed=w.seed)}


def grid(wf: Workflow, w: Any) -> str:
    return job_spec("bridged-grid", model=_model(wf, w.method, "trimodal", w.seed),
                    study_modalities=modalities(wf.config, "trimodal"), data=_prepared(wf, "trimodal"),
                    target_classifier=wf.paths.path("classifier", dataset=w.target, seed=w.seed), source=w.source,
                    target=w.target, pairing_seed=section(wf.config)["pairing_seed"],
                    samples=wf.config["report"]["grid_samples"], seed=int(w.seed),
                    out=wf.paths.path("figure_data", figure="samples", name=GRID_NAME.format(method=w.method, source=w.source,
                                                                           target=w.target, seed=w.seed)))
