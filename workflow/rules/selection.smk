# Validation sweeps (config `validation_sweeps`): evidence for a baseline's gap to the paper. One
# setting of one baseline is varied on one scenario and every value is scored on the validation
# split (src/crossmodal/selection.py); the configured value reuses the Table 1 model, so a sweep trains
# only the other values. Nothing here feeds back into the config: the report shows the sweep
# beside the configured setting.

from crossmodal.config import configured_sweep_setting, sweep_job_params

SWEEPS = config["validation_sweeps"]
SWEEP_PARAM_PATTERN = r"[a-z_]+(?:\.[a-z_]+)*"  # a key, or a dotted path such as train.max_epochs
SWEEP_EVALUATE_CODE = code_version("selection.py", "jobs.py", "metrics.py")


def sweep_value_tag(value):
    return f"{float(value):g}"


def sweep_of(wildcards):
    return {"method": wildcards.method, "source": wildcards.source, "target": wildcards.target,
            "param": wildcards.param}


def sweep_model(wildcards):
    """The Table 1 model for the configured value, a sweep model for any other."""
    w = wildcards
    if float(w.value) == float(configured_sweep_setting(config, sweep_of(w))):
        return baseline_model(w.method, w.source, w.target, w.dim, "1.0", w.seed)
    return f"{RESULTS}/models/sweeps/{w.method}/{w.source}-{w.target}/z{w.dim}_{w.param}={w.value}_seed{w.seed}.pt"


def sweep_job_hparams(wildcards):
    return as_json(sweep_job_params(config, sweep_of(wildcards), json.loads(wildcards.value)))


rule train_sweep_baseline:
    input:
        source_data=prepared("{source}"),
        target_data=prepared("{target}"),
    output:
        model=f"{RESULTS}/models/sweeps/{{method}}/{{source}}-{{target}}/z{{dim}}_{{param}}={{value}}_seed{{seed}}.pt",
        summary=f"{RESULTS}/models/sweeps/{{method}}/{{source}}-{{target}}/z{{dim}}_{{param}}={{value}}_seed{{seed}}.json",
    wildcard_constraints:
        method=BASELINE_PATTERN,
        param=SWEEP_PARAM_PATTERN,
        value=r"[0-9.e+-]+",
    params:
        hparams=sweep_job_hparams,
        class_map=class_map_json,
        code=lambda w: BASELINE_CODE[w.method],
    log:
        f"{LOGS}/sweeps/{{method}}_{{source}}-{{target}}_z{{dim}}_{{param}}={{value}}_seed{{seed}}.log",
    benchmark:
        f"{BENCH}/sweeps/{{method}}_{{source}}-{{target}}_z{{dim}}_{{param}}={{value}}_seed{{seed}}.tsv"
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} train-baseline --method {wildcards.method:q} --source-data {input.source_data:q}"
        " --target-data {input.target_data:q} --params {params.hparams:q} --class-map {params.class_map:q}"
        " --paired-fraction 1.0 --seed {wildcards.seed} --out {output.model:q} > {log:q} 2>&1"


rule evaluate_sweep_point:
    input:
        source_data=prepared("{source}"),
        model=sweep_model,
        target_classifier=classifier_model("{target}", "{seed}"),
    output:
        f"{RESULTS}/metrics/sweeps/{{method}}_{{source}}-{{target}}_z{{dim}}_{{param}}={{value}}_seed{{seed}}.csv",
    wildcard_constraints:
        method=BASELINE_PATTERN,
        param=SWEEP_PARAM_PATTERN,
        value=r"[0-9.e+-]+",
    params:
        class_map=class_map_json,
        code=SWEEP_EVALUATE_CODE,
    log:
        f"{LOGS}/evaluate/sweep_{{method}}_{{source}}-{{target}}_z{{dim}}_{{param}}={{value}}_seed{{seed}}.log",
    threads: 1
    shell:
        "{PYTHON} --threads {threads} evaluate-sweep-point --source {wildcards.source:q} --target {wildcards.target:q}"
        " --source-data {input.source_data:q} --model {input.model:q} --target-classifier {input.target_classifier:q}"
        " --class-map {params.class_map:q} --param {wildcards.param:q} --value {wildcards.value:q} --seed {wildcards.seed}"
        " --out {output:q} > {log:q} 2>&1"


def sweep_seeds(sweep):
    """The sweep's seeds (default: the run's first seed) that this run has. A run of other seeds
    only (make reproduce SEEDS=1) leaves the sweep to the run that has them (crossmodal.report.combine)."""
    return [seed for seed in sweep.get("seeds", SEEDS[:1]) if seed in SEEDS]


def sweep_fragments():
    return [
        f"{RESULTS}/metrics/sweeps/{s['method']}_{s['source']}-{s['target']}_z{LATENT_DIM}_{s['param']}="
        f"{sweep_value_tag(value)}_seed{seed}.csv"
        for s in SWEEPS
        for value in s["values"]
        for seed in sweep_seeds(s)
    ]


def sweep_report_settings():
    """What the report shows of each sweep: the config entry, its seeds in this run and the configured value."""
    return [{**s, "seeds": sweep_seeds(s), "configured": configured_sweep_setting(config, s)}
            for s in SWEEPS]


METRIC_FRAGMENT_PROVIDERS.append(sweep_fragments)
