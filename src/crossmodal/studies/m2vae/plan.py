"""The M2VAE study's part of the workflow (``workflow/rules/m2vae.smk``): which files a config asks
for and what each rule takes. Torch-free: the Snakefile imports it at parse time.

The generated datasets (MoG, e-MNIST from the two CVAEs, me-MNIST) are seeded by ``m2vae.data_seed``
and shared by every training seed, like prepared data. On them: Table 1's models (config
``m2vae.methods``) on MoG and e-MNIST, M2VAE's alpha-beta sweep on MoG (Fig. 4) and JMVAE-kl on
e-MNIST and me-MNIST (Fig. 2). Settings are the config section ``m2vae`` (``schema.json``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crossmodal.code_versions import code_version_of
from crossmodal.workflow import Workflow, canonical, job_spec

MODALITIES = ("a", "b")
# The generated datasets: the network family (config m2vae.models.<family>) and reconstruction term of each.
DATASET_FAMILY = {"mog": "mog", "emnist": "emnist", "me_mnist": "emnist"}
RECONSTRUCTION = {"mog": "squared_error", "emnist": "bce"}  # the paper's RMS for MoG, BCE for e-MNIST
FEATURES = {"mog": 2, "emnist": 28 * 28}  # D_x of one modality, for beta = beta_norm * D_x / D_z
# Where e-MNIST's modalities come from: prepared datasets of the shared workflow.
SOURCES = {"a": "mnist", "b": "fashion_mnist"}
MAIN = "main"
CHECK_METHOD = "jmvae_kl"
JOBS = "crossmodal.studies.m2vae.jobs"
CODE = {"data": code_version_of(JOBS), "cvae": code_version_of(JOBS, "crossmodal.models.cvae"),
        "model": code_version_of(JOBS, "crossmodal.models.m2vae"),
        "evaluate": code_version_of("crossmodal.studies.m2vae.evaluate", "crossmodal.models.m2vae",
                                    "crossmodal.models.classifier"),
        "plot": code_version_of("crossmodal.studies.m2vae.figures")}


def check_subsets(subsets: Sequence[Sequence[str]], modalities: Sequence[str]) -> list[tuple[str, ...]]:
    """The configured encoder subsets, each in modality order; a subset naming a modality the
    study lacks is refused, naming the setting."""
    checked = []
    for subset in subsets:
        unknown = [name for name in subset if name not in modalities]
        if unknown or not subset:
            raise ValueError(f"config key m2vae.evaluation.subsets: {list(subset)} names modalities {unknown or '[]'} "
                             f"the study lacks; its modalities are {list(modalities)}")
        checked.append(tuple(name for name in modalities if name in subset))
    return checked


def section(wf: Workflow) -> Mapping[str, Any]:
    """The config's ``m2vae`` section, checked where the schema cannot say why a value is wrong."""
    settings = wf.config["m2vae"]
    for where, alpha in [("m2vae.models.alpha", settings["models"]["alpha"])] + [
            ("m2vae.sweep.alphas", a) for a in settings["sweep"]["alphas"]]:
        if not alpha >= 0:
            raise ValueError(f"config key {where}: alpha must be >= 0 (it weighs KL divergences), got {alpha}")
    check_subsets(settings["evaluation"]["subsets"], MODALITIES)
    missing = [d for d in SOURCES.values() if d not in wf.config["datasets"]]
    if missing:
        raise ValueError(f"config key datasets: the M2VAE study's e-MNIST needs {missing} (its CVAEs train on them)")
    return settings


def sweep_name(alpha: float, beta_norm: float) -> str:
    return f"alpha{alpha:g}_beta{beta_norm:g}"


def sweep_points(wf: Workflow) -> dict[str, tuple[float, float]]:
    """Fig. 4's settings by name: (alpha, beta_norm)."""
    sweep = section(wf)["sweep"]
    return {sweep_name(a, b): (a, b) for a in sweep["alphas"] for b in sweep["beta_norms"]}


def weights(wf: Workflow, name: str) -> tuple[float, float]:
    """(alpha, beta_norm) of a model setting: the config's for ``main``, else a sweep point's."""
    models = section(wf)["models"]
    return (models["alpha"], models["beta_norm"]) if name == MAIN else sweep_points(wf)[name]


# --- the files a config asks for -----------------------------------------------------------------


def trained(wf: Workflow) -> list[tuple[str, str, str]]:
    """Every (dataset, method, setting) the study trains and evaluates."""
    s = section(wf)
    main = [(d, m, MAIN) for d in ("mog", "emnist") for m in s["methods"]]
    return main + [("mog", "m2vae", name) for name in sweep_points(wf)] + [
        (d, CHECK_METHOD, MAIN) for d in ("emnist", "me_mnist")]


def metric_fragments(wf: Workflow) -> list[str]:
    return [wf.paths.path("m2vae_metrics", dataset=d, method=m, name=n, seed=seed)
            for d, m, n in trained(wf) for seed in wf.seeds]


def figure_inputs(wf: Workflow, figure: str) -> list[str]:
    """The figure data each of the study's figures is drawn from (its first seed's models)."""
    first, p = wf.seeds[0], wf.paths
    kind, _, rest = figure.partition("_")
    if kind == "data":
        return [p.path("m2vae_dataset_data", dataset=rest)]
    if kind == "latents":
        dataset, _, method = rest.partition("-")
        return [p.path("m2vae_model_data", dataset=dataset, method=method, name=MAIN, seed=first)]
    if kind == "sweep":
        return [p.path("m2vae_model_data", dataset="mog", method="m2vae", name=n, seed=first) for n in sweep_points(wf)]
    if kind == "check":
        return [p.path("m2vae_model_data", dataset=d, method=CHECK_METHOD, name=MAIN, seed=first)
                for d in ("emnist", "me_mnist")]
    raise ValueError(f"no M2VAE-study figure {figure!r}")


def figure_names(methods: list[str]) -> list[str]:
    """The study's figures, in the page's order, for the config's ``m2vae.methods``."""
    latents = [f"latents_{d}-{m}" for d in ("mog", "emnist") for m in methods]
    return ["data_mog", "data_emnist", *latents, "sweep_mog", "check_emnist"]


def report_figures(wf: Workflow) -> list[str]:
    return [wf.paths.path("m2vae_figure", name=name) for name in figure_names(section(wf)["methods"])]


def report_settings(wf: Workflow) -> dict[str, Any]:
    return {"m2vae": canonical(dict(section(wf)))}


# --- the rules' specs ----------------------------------------------------------------------------


def generate_mog(wf: Workflow) -> str:
    mog = section(wf)["mog"]
    return job_spec("m2vae-generate-mog", sizes=canonical(mog["per_class"]), spread=mog["spread"],
                    seed=section(wf)["data_seed"], out=wf.paths.path("m2vae_dataset", dataset="mog"))


def train_cvae(wf: Workflow, w: Any) -> str:
    return job_spec("m2vae-train-cvae", data=wf.paths.path("prepared", dataset=w.dataset),
                    params=canonical(dict(section(wf)["cvae"])),
                    seed=section(wf)["data_seed"], out=wf.paths.path("m2vae_cvae", dataset=w.dataset))


def generate_emnist(wf: Workflow) -> str:
    s, p = section(wf), wf.paths
    return job_spec("m2vae-generate-emnist", cvae_a=p.path("m2vae_cvae", dataset=SOURCES["a"]),
                    cvae_b=p.path("m2vae_cvae", dataset=SOURCES["b"]), sizes=canonical(s["emnist"]["per_class"]),
                    truncation=s["emnist"]["truncation"], seed=s["data_seed"],
                    out=p.path("m2vae_dataset", dataset="emnist"))


def shuffle(wf: Workflow) -> str:
    return job_spec("m2vae-shuffle", data=wf.paths.path("m2vae_dataset", dataset="emnist"), modality="b",
                    seed=section(wf)["data_seed"], out=wf.paths.path("m2vae_dataset", dataset="me_mnist"))


def model_params(wf: Workflow, dataset: str, name: str, stage: str = "joint") -> dict[str, Any]:
    models = section(wf)["models"]
    family = DATASET_FAMILY[dataset]
    alpha, beta_norm = weights(wf, name)
    return canonical({"latent_dim": models["latent_dim"], "alpha": alpha,
                      "beta": beta_norm * FEATURES[family] / models["latent_dim"],
                      "reconstruction": RECONSTRUCTION[family], "stage": stage,
                      "architecture": models[family]["architecture"], "train": models[family]["train"]})


def model_input(wf: Workflow, w: Any) -> dict[str, str]:
    inputs = {"data": wf.paths.path("m2vae_dataset", dataset=w.dataset)}
    if w.method == "tvae":
        inputs["init"] = wf.paths.path("m2vae_stage1", dataset=w.dataset, method=w.method, name=w.name, seed=w.seed)
    return inputs


def train(wf: Workflow, w: Any) -> str:
    """A model; tVAE's second stage (its unimodal encoders on the first stage's frozen decoders)."""
    stage = "unimodal" if w.method == "tvae" else "joint"
    return job_spec("m2vae-train", method=w.method, params=model_params(wf, w.dataset, w.name, stage), seed=w.seed,
                    out=wf.paths.path("m2vae_model", dataset=w.dataset, method=w.method, name=w.name, seed=w.seed),
                    **model_input(wf, w))


def train_stage1(wf: Workflow, w: Any) -> str:
    """tVAE's first stage: its joint encoder and decoders on the joint ELBO."""
    return job_spec("m2vae-train", method=w.method, data=wf.paths.path("m2vae_dataset", dataset=w.dataset),
                    params=model_params(wf, w.dataset, w.name, "joint"), seed=w.seed,
                    out=wf.paths.path("m2vae_stage1", dataset=w.dataset, method=w.method, name=w.name, seed=w.seed))


def classifiers(wf: Workflow, w: Any) -> dict[str, str]:
    """e-MNIST's evaluators, per modality: the shared classifiers of MNIST and Fashion-MNIST."""
    if DATASET_FAMILY[w.dataset] != "emnist":
        return {}
    return {m: wf.paths.path("classifier", dataset=d, seed=w.seed) for m, d in SOURCES.items()}


def evaluation_inputs(wf: Workflow, w: Any) -> dict[str, str]:
    p = wf.paths
    return {"data": p.path("m2vae_dataset", dataset=w.dataset),
            "model": p.path("m2vae_model", dataset=w.dataset, method=w.method, name=w.name, seed=w.seed),
            **{f"classifier_{m}": path for m, path in classifiers(wf, w).items()}}


def evaluate(wf: Workflow, w: Any) -> str:
    p = wf.paths
    return job_spec("m2vae-evaluate", data=p.path("m2vae_dataset", dataset=w.dataset),
                    model=p.path("m2vae_model", dataset=w.dataset, method=w.method, name=w.name, seed=w.seed),
                    classifiers=classifiers(wf, w), params=canonical(dict(section(wf)["evaluation"])),
                    method=w.method, setting=w.name, seed=w.seed,
                    out=p.path("m2vae_metrics", dataset=w.dataset, method=w.method, name=w.name, seed=w.seed),
                    figure_out=p.path("m2vae_model_data", dataset=w.dataset, method=w.method, name=w.name, seed=w.seed))


def data_figure(wf: Workflow, w: Any) -> str:
    return job_spec("m2vae-data-figure", data=wf.paths.path("m2vae_dataset", dataset=w.dataset),
                    points=section(wf)["evaluation"]["points"], out=wf.paths.path("m2vae_dataset_data", dataset=w.dataset))


def plot(wf: Workflow, w: Any) -> str:
    return job_spec("m2vae-plot", figure=w.name.partition("_")[0], data=figure_inputs(wf, w.name), style=wf.style(),
                    **wf.paths.plotted("m2vae_figure", name=w.name))
