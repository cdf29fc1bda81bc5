# Helpers shared by all rules: output locations, per-job parameters, code versions.

import json
import shlex
import sys

from crossmodal.config import canonical_json, class_map, code_version, model_params
from crossmodal.data.datasets import dataset_info

CONFIG_NAME = config["name"]
RESULTS = f"results/{CONFIG_NAME}"
REPORTS = f"reports/{CONFIG_NAME}"
LOGS = f"{RESULTS}/logs"
BENCH = f"{RESULTS}/benchmarks"
RAW = config["raw_dir"]
SEEDS = config["seeds"]
LATENT_DIM = config["latent_dim"]
PYTHON = f"{shlex.quote(sys.executable)} -m crossmodal"

wildcard_constraints:
    dataset="[a-z_]+",
    source="[a-z_]+",
    target="[a-z_]+",
    seed=r"\d+",
    dim=r"\d+",
    sdim=r"\d+",
    tdim=r"\d+",
    fraction=r"[0-9.]+",

# Code each model family depends on; its hash is a param, so editing e.g. models/vae.py reruns
# exactly the VAE jobs (and what consumes their outputs), whatever the files' mtimes say.
ENGINE_CODE = ("engine.py", "io.py", "objectives.py", "models/base.py", "models/networks.py", "jobs.py")
CODE = {
    "prepare": code_version("data/prepare.py", "data/datasets.py", "data/dataset_info.py", "data/gtsrb.py",
                            "data/svhn.py", "data/speech_commands.py", "data/verify.py", "data/download.py",
                            "data/audio.py", "data/idx.py", "data/archives.py", "data/images.py", "data/splits.py"),
    "classifier": code_version(*ENGINE_CODE, "models/classifier.py"),
    "vae": code_version(*ENGINE_CODE, "models/vae.py"),
    "associator": code_version(*ENGINE_CODE, "models/avae.py", "data/pairing.py"),
    "evaluate": code_version("jobs.py", "metrics.py", "models/avae.py"),
}


def scenario(source, target):
    for s in config["scenarios"]:
        if s["source"] == source and s["target"] == target:
            return s
    raise ValueError(f"no scenario {source} -> {target} in config {CONFIG_NAME}")


def as_json(obj):
    return canonical_json(obj)


def prepare_params(wildcards):
    options = dict(config["datasets"][wildcards.dataset])
    return as_json(options)


def classifier_params(wildcards):
    return as_json(model_params(config, "classifier", dataset=wildcards.dataset))


def vae_params(wildcards):
    params = model_params(config, "vae", dataset=wildcards.dataset)
    params["latent_dim"] = int(wildcards.dim)
    return as_json(params)


def associator_params(wildcards):
    return as_json(model_params(config, "associator", scenario=scenario(wildcards.source, wildcards.target)))


def class_map_json(wildcards):
    return json.dumps(class_map(scenario(wildcards.source, wildcards.target), config["datasets"]))


def raw_files(dataset):
    return [f"{RAW}/{dataset}/{remote.name}" for remote in dataset_info(dataset).files]


def raw_data_records():
    return [f"{RAW}/{dataset}.dvc" for dataset in config["datasets"]]


def prepared(dataset):
    return f"{RESULTS}/prepared/{dataset}.pt"


def classifier_model(dataset, seed):
    return f"{RESULTS}/models/classifier/{dataset}/seed{seed}.pt"


def vae_model(dataset, dim, seed):
    return f"{RESULTS}/models/vae/{dataset}/z{dim}_seed{seed}.pt"


def latents(dataset, dim, seed):
    return f"{RESULTS}/latents/{dataset}/z{dim}_seed{seed}.pt"


def associator_model(source, target, sdim, tdim, fraction, seed):
    return f"{RESULTS}/models/associator/{source}-{target}/z{sdim}-{tdim}_p{fraction}_seed{seed}.pt"


def table1_fragments():
    return [
        f"{RESULTS}/metrics/table1/avae_{s['source']}-{s['target']}_z{LATENT_DIM}-{LATENT_DIM}_p1.0_seed{seed}.csv"
        for s in config["scenarios"]
        for seed in SEEDS
    ]


def table2_fragments():
    fragments = []
    for dataset in config["datasets"]:
        for seed in SEEDS:
            fragments.append(f"{RESULTS}/metrics/table2/classifier_{dataset}_seed{seed}.csv")
            fragments.append(f"{RESULTS}/metrics/table2/vae_{dataset}_z{LATENT_DIM}_seed{seed}.csv")
    return fragments


# Each rules file registers the metric fragments (per-job CSVs) and report figures it produces;
# collect_metrics and report take the union, so adding an experiment touches only its own file.
METRIC_FRAGMENT_PROVIDERS = [table2_fragments, table1_fragments]
REPORT_FIGURE_PROVIDERS = []


def metric_fragments():
    return [f for provider in METRIC_FRAGMENT_PROVIDERS for f in provider()]


def report_figures():
    return [f for provider in REPORT_FIGURE_PROVIDERS for f in provider()]


def sample_grids():
    """AVAE's qualitative grid per scenario (first seed, all pairs); baselines.smk adds theirs."""
    return [
        f"{REPORTS}/figures/samples/avae_{s['source']}-{s['target']}_z{LATENT_DIM}-{LATENT_DIM}_p1.0_seed{SEEDS[0]}.png"
        for s in config["scenarios"]
    ]


REPORT_FIGURE_PROVIDERS.append(sample_grids)
