"""The CMMD study's part of the workflow (``workflow/rules/cmmd.smk``): which result files a config
asks for, and what its rules take. Settings: the config section ``cmmd`` (``schema.json``).

Its datasets are generated from the shared prepared MNIST and MNIST's partner (``cmmd.partner``:
FSDD offline, SVHN in the paper): two-view noisy MNIST; the MNIST-partner pairing and the digit
texts. Its evaluators are the shared classifiers of MNIST and the partner and a text classifier
trained by the shared classifier job. Torch-free: the Snakefile imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossmodal.code_versions import code_version_of
from crossmodal.methods import METHODS
from crossmodal.studies.cmmd.names import check_alphabet
from crossmodal.workflow import Workflow, canonical, job_spec

# The generated files (path kind cmmd_data) and the datasets the models train on.
TWO_VIEW_FILE, PAIRING_FILE, TEXT_FILE = "two_view_mnist", "mnist_pairing", "digit_text"
DATASETS = ("two_view", "paired", "paired_text")
DATASET_PATTERN = "|".join(DATASETS)
NUM_CLASSES = 10  # digits, in every dataset of the study
# Methods that read which modality is x_o.
OBSERVING = ("cmmd", "m_minus", "vcca", "vcca_private")
STUDY_MODULES = {"generate": "crossmodal.studies.cmmd.jobs", "evaluate": "crossmodal.studies.cmmd.evaluation"}


def settings(wf: Workflow) -> Mapping[str, Any]:
    return wf.config["cmmd"]


def partner(wf: Workflow) -> str:
    return str(settings(wf)["partner"])


def modalities(wf: Workflow, dataset: str) -> tuple[str, ...]:
    """A study dataset's modalities; MNIST's partner is named by its dataset."""
    return {"two_view": ("rotated", "noisy"), "paired": ("mnist", partner(wf)),
            "paired_text": ("mnist", partner(wf), "text")}[dataset]


def check(wf: Workflow) -> None:
    """Refuse settings the study cannot run, naming the setting."""
    missing = [name for name in ("mnist", partner(wf)) if name not in wf.datasets]
    if missing:
        raise ValueError(f"the cmmd study (cmmd.partner: {partner(wf)}) needs config key datasets to hold {missing}")
    for dataset, observed in settings(wf)["observed"].items():
        if observed not in modalities(wf, dataset):
            raise ValueError(f"config key cmmd.observed.{dataset}: {observed!r} is not a modality of {dataset} "
                             f"{list(modalities(wf, dataset))}")
    check_alphabet(settings(wf)["text"]["alphabet"])


# --- models and their settings --------------------------------------------------------------------


def methods_of(wf: Workflow, dataset: str) -> list[str]:
    """The methods trained at their configured settings on ``dataset`` (CMMD on two-view MNIST: its
    omega sweep instead, see :func:`omegas`)."""
    s = settings(wf)
    if dataset == "two_view":
        collapse = [m for m in s["collapse"]["methods"] if m != "cmmd"]
        return list(dict.fromkeys([*s["e1"]["methods"], *collapse]))
    return list(s["cross" if dataset == "paired" else "coherence"]["methods"])


def omegas(wf: Workflow) -> list[float]:
    return [float(omega) for omega in settings(wf)["e1"]["omegas"]]


def model_params(wf: Workflow, method: str, dataset: str, omega: float | None = None) -> dict[str, Any]:
    """A method's settings on ``dataset``: its own (``cmmd.methods.<method>``), x_o where it has one,
    the latent size, the per-modality architecture and the training settings."""
    s = settings(wf)
    own = dict(s["methods"][method])
    params = {key: value for key, value in own.items() if key != "train"}
    if method in OBSERVING:
        params["observed"] = s["observed"][dataset]
    if method in ("cmmd", "m_minus"):
        params["num_classes"] = NUM_CLASSES
    if omega is not None:
        params["omega"] = omega
    params.update(latent_dim=s["latent_dim"], architecture=s["architecture"], train={**s["train"], **own.get("train", {})})
    return canonical(params)


def data_files(wf: Workflow, dataset: str) -> dict[str, str]:
    """The files a model of ``dataset`` is trained and evaluated on."""
    p = wf.paths
    if dataset == "two_view":
        return {"two_view": p.path("cmmd_data", dataset=TWO_VIEW_FILE)}
    files = {"mnist": p.path("prepared", dataset="mnist"), "partner": p.path("prepared", dataset=partner(wf)),
             "pairing": p.path("cmmd_data", dataset=PAIRING_FILE)}
    if dataset == "paired_text":
        files["text"] = p.path("cmmd_data", dataset=TEXT_FILE)
    return files


def evaluators(wf: Workflow, dataset: str, seed: int | str) -> dict[str, str]:
    """Each generated modality's judge: the shared MNIST and partner classifiers, the study's text one."""
    p = wf.paths
    if dataset == "two_view":
        return {}
    judges = {"mnist": p.path("classifier", dataset="mnist", seed=seed),
              partner(wf): p.path("classifier", dataset=partner(wf), seed=seed)}
    if dataset == "paired_text":
        judges["text"] = p.path("cmmd_text_classifier", seed=seed)
    return judges


# --- the files a config asks for -----------------------------------------------------------------


def metric_fragments(wf: Workflow) -> list[str]:
    check(wf)
    p, dim = wf.paths, settings(wf)["latent_dim"]
    fragments = [p.path("cmmd_omega_metrics", dataset="two_view", value=omega, dim=dim, seed=seed)
                 for omega in omegas(wf) for seed in wf.seeds]
    fragments += [p.path("cmmd_metrics", dataset=dataset, method=method, dim=dim, seed=seed)
                  for dataset in DATASETS for method in methods_of(wf, dataset) for seed in wf.seeds]
    return fragments


def report_figures(wf: Workflow) -> list[str]:
    return [wf.paths.path("cmmd_figure", figure="collapse")]


def report_settings(wf: Workflow) -> dict[str, Any]:
    return {"cmmd": canonical(dict(settings(wf))), "code": {"cmmd": code_version_of(*STUDY_MODULES.values())}}


# --- code versions -------------------------------------------------------------------------------


def model_modules(method: str) -> list[str]:
    return [METHODS[method].model.partition(":")[0]]


def training_code(method: str) -> str:
    return code_version_of(STUDY_MODULES["generate"], *model_modules(method))


def evaluation_code(method: str) -> str:
    return code_version_of(STUDY_MODULES["evaluate"], *model_modules(method))


def generation_code() -> str:
    return code_version_of("crossmodal.studies.cmmd.data")


def plot_code() -> str:
    return code_version_of("crossmodal.studies.cmmd.figures")


# --- the jobs' specs -----------------------------------------------------------------------------


def generate_two_view(wf: Workflow) -> str:
    s = settings(wf)["two_view"]
    return job_spec("cmmd-two-view", mnist=wf.paths.path("prepared", dataset="mnist"), splits=dict(s["splits"]),
                    seed=s["seed"], out=wf.paths.path("cmmd_data", dataset=TWO_VIEW_FILE))


def text_inputs(wf: Workflow) -> dict[str, str]:
    return {"mnist": wf.paths.path("prepared", dataset="mnist"), "partner": wf.paths.path("prepared", dataset=partner(wf))}


def generate_text(wf: Workflow) -> str:
    s, p = settings(wf)["text"], wf.paths
    return job_spec("cmmd-text", mnist=p.path("prepared", dataset="mnist"), partner=p.path("prepared", dataset=partner(wf)),
                    alphabet=s["alphabet"], seed=s["seed"], pairing_out=p.path("cmmd_data", dataset=PAIRING_FILE),
                    text_out=p.path("cmmd_data", dataset=TEXT_FILE))


def train_text_classifier(wf: Workflow, w: Any) -> str:
    s = settings(wf)["text_classifier"]
    params = {"architecture": s["architecture"], "train": s["train"]}
    return job_spec("train-classifier", data=wf.paths.path("cmmd_data", dataset=TEXT_FILE), params=canonical(params),
                    seed=w.seed, out=wf.paths.path("cmmd_text_classifier", seed=w.seed))


def train(wf: Workflow, w: Any) -> str:
    """A method at its configured settings."""
    return job_spec("cmmd-train", method=w.method, dataset=w.dataset, data=data_files(wf, w.dataset),
                    params=model_params(wf, w.method, w.dataset), seed=w.seed,
                    out=wf.paths.path("cmmd_model", dataset=w.dataset, method=w.method, dim=w.dim, seed=w.seed))


def train_omega(wf: Workflow, w: Any) -> str:
    """CMMD at one omega of the sweep."""
    return job_spec("cmmd-train", method="cmmd", dataset=w.dataset, data=data_files(wf, w.dataset),
                    params=model_params(wf, "cmmd", w.dataset, float(w.value)), seed=w.seed,
                    out=wf.paths.path("cmmd_omega_model", dataset=w.dataset, value=w.value, dim=w.dim, seed=w.seed))


def evaluation_settings(wf: Workflow) -> dict[str, Any]:
    s = settings(wf)
    return canonical({key: s[key] for key in ("observed", "collapse", "probe", "overhead")})


def evaluation_inputs(wf: Workflow, w: Any, kind: str) -> dict[str, str]:
    """What a model's evaluation reads: its data, the model and the evaluators."""
    fields = {"dataset": w.dataset, "dim": w.dim, "seed": w.seed}
    model = (wf.paths.path("cmmd_omega_model", value=w.value, **fields) if kind == "omega"
             else wf.paths.path("cmmd_model", method=w.method, **fields))
    return {**data_files(wf, w.dataset), "model": model, **{f"judge_{name}": path for name, path in
                                                             evaluators(wf, w.dataset, w.seed).items()}}


def evaluate(wf: Workflow, w: Any, kind: str = "method") -> str:
    inputs = evaluation_inputs(wf, w, kind)
    fields = {"dataset": w.dataset, "dim": w.dim, "seed": w.seed}
    out = (wf.paths.path("cmmd_omega_metrics", value=w.value, **fields) if kind == "omega"
           else wf.paths.path("cmmd_metrics", method=w.method, **fields))
    return job_spec("cmmd-evaluate", dataset=w.dataset, data=data_files(wf, w.dataset), model=inputs["model"],
                    classifiers=evaluators(wf, w.dataset, w.seed), settings=evaluation_settings(wf), seed=w.seed,
                    out=out)


def plot_collapse(wf: Workflow) -> str:
    return job_spec("cmmd-plot", figure="collapse", metrics=wf.paths.path("metrics"), style=wf.style(),
                    **wf.paths.plotted("cmmd_figure", figure="collapse"))
