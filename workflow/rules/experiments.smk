# The AVAE paper's experiments beyond Tables 1 and 2: Table 3 (cascaded association), Figure 5
# (semi-supervised sweep) and ours-flex (per-dataset latent sizes). They reuse Table 1's VAEs,
# cached latents and associators (one VAE per dataset, latent size and seed); only what is new is
# trained: the associators of each paired fraction, the flex VAEs and associators.
# Each experiment is off unless config key experiments.<name> is set.

EXPERIMENTS = config["experiments"]
FLEX_DIMS = EXPERIMENTS.get("flex", {}).get("latent_dims", {})


def fraction_tag(fraction):
    """How a paired fraction appears in file names (1 -> "1.0", as in Table 1's files)."""
    return str(float(fraction))


def association_inputs(fraction="{fraction}"):
    """Everything E_i -> A_ji -> D_j and the target's evaluator need, for rules with the wildcards
    source, target, sdim, tdim and seed."""
    return {
        "source_data": prepared("{source}"),
        "source_vae": vae_model("{source}", "{sdim}", "{seed}"),
        "associator": associator_model("{source}", "{target}", "{sdim}", "{tdim}", fraction, "{seed}"),
        "target_vae": vae_model("{target}", "{tdim}", "{seed}"),
        "target_classifier": classifier_model("{target}", "{seed}"),
    }


EVALUATE_ASSOCIATION = (
    "{PYTHON} evaluate-association --source {wildcards.source:q} --target {wildcards.target:q}"
    " --source-data {input.source_data:q} --source-vae {input.source_vae:q}"
    " --associator {input.associator:q} --target-vae {input.target_vae:q}"
    " --target-classifier {input.target_classifier:q} --class-map {params.class_map:q} --seed {wildcards.seed}"
)


# --- Figure 5: accuracy against the paired fraction ---------------------------------------------


rule evaluate_semi_supervised:
    input:
        **association_inputs(),
    output:
        f"{RESULTS}/metrics/figure5/avae_{{source}}-{{target}}_z{{sdim}}-{{tdim}}_p{{fraction}}_seed{{seed}}.csv",
    params:
        class_map=class_map_json,
        code=CODE["evaluate"],
    log:
        f"{LOGS}/evaluate/figure5_{{source}}-{{target}}_z{{sdim}}-{{tdim}}_p{{fraction}}_seed{{seed}}.log",
    shell:
        EVALUATE_ASSOCIATION
        + " --paired-fraction {wildcards.fraction} --experiment figure5 --method avae --out {output:q} > {log:q} 2>&1"


def figure5_fragments():
    if "figure5" not in EXPERIMENTS:
        return []
    sweep = EXPERIMENTS["figure5"]
    return [
        f"{RESULTS}/metrics/figure5/avae_{sweep['source']}-{sweep['target']}_z{LATENT_DIM}-{LATENT_DIM}"
        f"_p{fraction_tag(fraction)}_seed{seed}.csv"
        for fraction in sweep["paired_fractions"]
        for seed in SEEDS
    ]


# --- ours-flex: a larger latent space for the complex modality -----------------------------------


rule evaluate_flex:
    input:
        **association_inputs(fraction="1.0"),
    output:
        f"{RESULTS}/metrics/flex/avae_flex_{{source}}-{{target}}_z{{sdim}}-{{tdim}}_seed{{seed}}.csv",
    params:
        class_map=class_map_json,
        code=CODE["evaluate"],
    log:
        f"{LOGS}/evaluate/flex_{{source}}-{{target}}_z{{sdim}}-{{tdim}}_seed{{seed}}.log",
    shell:
        EVALUATE_ASSOCIATION
        + " --paired-fraction 1.0 --experiment table1 --method avae_flex --out {output:q} > {log:q} 2>&1"


def flex_dim(dataset):
    return FLEX_DIMS.get(dataset, LATENT_DIM)


def flex_fragments():
    """Table 1 'ours-flex' for every scenario touching a flex dataset; Table 2 at the flex sizes."""
    table1 = [
        f"{RESULTS}/metrics/flex/avae_flex_{s['source']}-{s['target']}"
        f"_z{flex_dim(s['source'])}-{flex_dim(s['target'])}_seed{seed}.csv"
        for s in config["scenarios"]
        if s["source"] in FLEX_DIMS or s["target"] in FLEX_DIMS
        for seed in SEEDS
    ]
    table2 = [
        f"{RESULTS}/metrics/table2/vae_{dataset}_z{dim}_seed{seed}.csv"
        for dataset, dim in FLEX_DIMS.items()
        for seed in SEEDS
    ]
    return table1 + table2


# --- Table 3: cascaded association against direct ----------------------------------------------


def cascade_path(wildcards):
    return wildcards.path.split("-")


def cascade_legs(wildcards):
    path = cascade_path(wildcards)
    return list(zip(path[:-1], path[1:]))


def cascade_inputs(wildcards):
    path, dim, seed = cascade_path(wildcards), wildcards.dim, wildcards.seed
    return {
        "source_data": prepared(path[0]),
        "vaes": [vae_model(name, dim, seed) for name in path],
        "associators": [associator_model(s, t, dim, dim, "1.0", seed) for s, t in cascade_legs(wildcards)],
        "direct_associator": associator_model(path[0], path[-1], dim, dim, "1.0", seed),
        "target_classifier": classifier_model(path[-1], seed),
    }


def cascade_class_maps(wildcards):
    return json.dumps([class_map(scenario(s, t), config["datasets"]) for s, t in cascade_legs(wildcards)])


def cascade_direct_class_map(wildcards):
    path = cascade_path(wildcards)
    return json.dumps(class_map(scenario(path[0], path[-1]), config["datasets"]))


rule evaluate_cascade:
    input:
        unpack(cascade_inputs),
    output:
        f"{RESULTS}/metrics/table3/avae_cascade_{{path}}_z{{dim}}_seed{{seed}}.csv",
    wildcard_constraints:
        path=r"[a-z_]+-[a-z_]+(?:-[a-z_]+)+",
    params:
        path=lambda w: " ".join(shlex.quote(name) for name in cascade_path(w)),
        class_maps=cascade_class_maps,
        direct_class_map=cascade_direct_class_map,
        code=CODE["evaluate"],
    log:
        f"{LOGS}/evaluate/cascade_{{path}}_z{{dim}}_seed{{seed}}.log",
    shell:
        "{PYTHON} evaluate-cascade --path {params.path} --source-data {input.source_data:q}"
        " --vaes {input.vaes:q} --associators {input.associators:q}"
        " --direct-associator {input.direct_associator:q} --target-classifier {input.target_classifier:q}"
        " --class-maps {params.class_maps:q} --direct-class-map {params.direct_class_map:q}"
        " --seed {wildcards.seed} --out {output:q} > {log:q} 2>&1"


def table3_fragments():
    return [
        f"{RESULTS}/metrics/table3/avae_cascade_{'-'.join(cascade)}_z{LATENT_DIM}_seed{seed}.csv"
        for cascade in EXPERIMENTS.get("table3", {}).get("cascades", [])
        for seed in SEEDS
    ]


METRIC_FRAGMENT_PROVIDERS.append(figure5_fragments)
METRIC_FRAGMENT_PROVIDERS.append(flex_fragments)
METRIC_FRAGMENT_PROVIDERS.append(table3_fragments)
