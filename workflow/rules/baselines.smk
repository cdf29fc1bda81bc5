# The baselines of AVAE Table 1 (VAE, VAE-CG, JMVAE, CVA, MVAE): each trained on the paired
# examples of every scenario and of the Figure 5 sweep, with the per-modality architectures of
# AVAE's VAEs, and judged by the same evaluator classifiers. Config key `baselines` lists the
# methods that run (a scenario's own `baselines` list overrides it there); models.<family> holds
# their settings.

from crossmodal.config import baseline_params
from crossmodal.methods import BASELINES

BASELINE_NAMES = config["baselines"]
# Longest names first, so that "vae_cg_x" never parses as method "vae" of a dataset "cg_x".
BASELINE_PATTERN = "|".join(sorted(BASELINES, key=len, reverse=True))
# Editing one method's module reruns exactly that method's jobs.
BASELINE_CODE = {name: code_version(*ENGINE_CODE, *b.code) for name, b in BASELINES.items()}
BASELINE_EVALUATE_CODE = {name: code_version("jobs.py", "metrics.py", *b.code) for name, b in BASELINES.items()}


def baseline_model(method, source, target, dim, fraction, seed):
    return f"{RESULTS}/models/baselines/{method}/{source}-{target}/z{dim}_p{fraction}_seed{seed}.pt"


def baseline_job_params(wildcards):
    return as_json(baseline_params(config, BASELINES[wildcards.method].family, wildcards.source, wildcards.target,
                                   int(wildcards.dim)))


rule train_baseline:
    input:
        source_data=prepared("{source}"),
        target_data=prepared("{target}"),
    output:
        model=baseline_model("{method}", "{source}", "{target}", "{dim}", "{fraction}", "{seed}"),
        summary=baseline_model("{method}", "{source}", "{target}", "{dim}", "{fraction}", "{seed}").replace(".pt", ".json"),
    wildcard_constraints:
        method=BASELINE_PATTERN,
    params:
        hparams=baseline_job_params,
        class_map=class_map_json,
        code=lambda w: BASELINE_CODE[w.method],
    log:
        f"{LOGS}/baselines/{{method}}_{{source}}-{{target}}_z{{dim}}_p{{fraction}}_seed{{seed}}.log",
    benchmark:
        f"{BENCH}/baselines/{{method}}_{{source}}-{{target}}_z{{dim}}_p{{fraction}}_seed{{seed}}.tsv"
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} train-baseline --method {wildcards.method:q} --source-data {input.source_data:q}"
        " --target-data {input.target_data:q} --params {params.hparams:q} --class-map {params.class_map:q}"
        " --paired-fraction {wildcards.fraction} --seed {wildcards.seed} --out {output.model:q} > {log:q} 2>&1"


def baseline_inputs(fraction="{fraction}"):
    return {
        "source_data": prepared("{source}"),
        "model": baseline_model("{method}", "{source}", "{target}", "{dim}", fraction, "{seed}"),
        "target_classifier": classifier_model("{target}", "{seed}"),
    }


EVALUATE_BASELINE = (
    "{PYTHON} --threads {threads} evaluate-baseline --source {wildcards.source:q} --target {wildcards.target:q}"
    " --source-data {input.source_data:q} --model {input.model:q} --target-classifier {input.target_classifier:q}"
    " --class-map {params.class_map:q} --seed {wildcards.seed}"
)


rule evaluate_baseline:
    input:
        **baseline_inputs(fraction="1.0"),
    output:
        metrics=f"{RESULTS}/metrics/table1/{{method}}_{{source}}-{{target}}_z{{dim}}-{{dim}}_p1.0_seed{{seed}}.csv",
        samples=f"{REPORTS}/figure_data/samples/{{method}}_{{source}}-{{target}}_z{{dim}}-{{dim}}_p1.0_seed{{seed}}.npz",
    wildcard_constraints:
        method=BASELINE_PATTERN,
    params:
        class_map=class_map_json,
        grid_samples=config["report"]["grid_samples"],
        code=lambda w: BASELINE_EVALUATE_CODE[w.method],
    log:
        f"{LOGS}/evaluate/{{method}}_{{source}}-{{target}}_z{{dim}}_p1.0_seed{{seed}}.log",
    threads: 1
    shell:
        EVALUATE_BASELINE
        + " --paired-fraction 1.0 --experiment table1 --method-summary --grid-samples {params.grid_samples}"
        " --out {output.metrics:q} --samples-out {output.samples:q} > {log:q} 2>&1"


rule evaluate_baseline_semi_supervised:
    input:
        **baseline_inputs(),
    output:
        f"{RESULTS}/metrics/figure5/{{method}}_{{source}}-{{target}}_z{{dim}}-{{dim}}_p{{fraction}}_seed{{seed}}.csv",
    wildcard_constraints:
        method=BASELINE_PATTERN,
    params:
        class_map=class_map_json,
        # The fraction-1.0 model is Table 1's, whose evaluation already writes its methods rows.
        summary=lambda w: "" if float(w.fraction) == 1.0 else "--method-summary",
        code=lambda w: BASELINE_EVALUATE_CODE[w.method],
    log:
        f"{LOGS}/evaluate/figure5_{{method}}_{{source}}-{{target}}_z{{dim}}_p{{fraction}}_seed{{seed}}.log",
    threads: 1
    shell:
        EVALUATE_BASELINE
        + " --paired-fraction {wildcards.fraction} --experiment figure5 {params.summary} --out {output:q} > {log:q} 2>&1"


def scenario_baselines(s):
    return s.get("baselines", BASELINE_NAMES)


def baseline_table1_fragments():
    return [
        f"{RESULTS}/metrics/table1/{method}_{s['source']}-{s['target']}_z{LATENT_DIM}-{LATENT_DIM}_p1.0_seed{seed}.csv"
        for s in config["scenarios"]
        for method in scenario_baselines(s)
        for seed in SEEDS
    ]


def baseline_figure5_fragments():
    if "figure5" not in EXPERIMENTS:
        return []
    sweep = EXPERIMENTS["figure5"]
    return [
        f"{RESULTS}/metrics/figure5/{method}_{sweep['source']}-{sweep['target']}_z{LATENT_DIM}-{LATENT_DIM}"
        f"_p{fraction_tag(fraction)}_seed{seed}.csv"
        for method in BASELINE_NAMES
        for fraction in sweep["paired_fractions"]
        for seed in SEEDS
    ]


def baseline_sample_grids():
    """One qualitative grid per baseline and scenario (first seed), like AVAE's."""
    return [
        f"{REPORTS}/figures/samples/{method}_{s['source']}-{s['target']}_z{LATENT_DIM}-{LATENT_DIM}_p1.0_seed{SEEDS[0]}.png"
        for s in config["scenarios"]
        for method in scenario_baselines(s)
    ]


METRIC_FRAGMENT_PROVIDERS.append(baseline_table1_fragments)
METRIC_FRAGMENT_PROVIDERS.append(baseline_figure5_fragments)
REPORT_FIGURE_PROVIDERS.append(baseline_sample_grids)
