# The paper's metric: the target classifier's accuracy on generated samples (Tables 1 and 2).


rule evaluate_classifier:
    input:
        data=prepared("{dataset}"),
        classifier=classifier_model("{dataset}", "{seed}"),
    output:
        f"{RESULTS}/metrics/table2/classifier_{{dataset}}_seed{{seed}}.csv",
    params:
        code=CODE["evaluate"],
    log:
        f"{LOGS}/evaluate/classifier_{{dataset}}_seed{{seed}}.log",
    shell:
        "{PYTHON} evaluate-classifier --data {input.data:q} --classifier {input.classifier:q}"
        " --seed {wildcards.seed} --out {output:q} > {log:q} 2>&1"


rule evaluate_vae:
    input:
        data=prepared("{dataset}"),
        vae=vae_model("{dataset}", "{dim}", "{seed}"),
        classifier=classifier_model("{dataset}", "{seed}"),
    output:
        f"{RESULTS}/metrics/table2/vae_{{dataset}}_z{{dim}}_seed{{seed}}.csv",
    params:
        code=CODE["evaluate"],
    log:
        f"{LOGS}/evaluate/vae_{{dataset}}_z{{dim}}_seed{{seed}}.log",
    shell:
        "{PYTHON} evaluate-vae --data {input.data:q} --vae {input.vae:q} --classifier {input.classifier:q}"
        " --seed {wildcards.seed} --out {output:q} > {log:q} 2>&1"


rule evaluate_association:
    input:
        source_data=prepared("{source}"),
        source_vae=vae_model("{source}", "{sdim}", "{seed}"),
        associator=associator_model("{source}", "{target}", "{sdim}", "{tdim}", "{fraction}", "{seed}"),
        target_vae=vae_model("{target}", "{tdim}", "{seed}"),
        target_classifier=classifier_model("{target}", "{seed}"),
    output:
        metrics=f"{RESULTS}/metrics/table1/avae_{{source}}-{{target}}_z{{sdim}}-{{tdim}}_p{{fraction}}_seed{{seed}}.csv",
        samples=f"{REPORTS}/figure_data/samples/avae_{{source}}-{{target}}_z{{sdim}}-{{tdim}}_p{{fraction}}_seed{{seed}}.npz",
    params:
        class_map=class_map_json,
        grid_samples=config["report"]["grid_samples"],
        code=CODE["evaluate"],
    log:
        f"{LOGS}/evaluate/avae_{{source}}-{{target}}_z{{sdim}}-{{tdim}}_p{{fraction}}_seed{{seed}}.log",
    shell:
        "{PYTHON} evaluate-association --source {wildcards.source:q} --target {wildcards.target:q}"
        " --source-data {input.source_data:q} --source-vae {input.source_vae:q}"
        " --associator {input.associator:q} --target-vae {input.target_vae:q}"
        " --target-classifier {input.target_classifier:q} --class-map {params.class_map:q}"
        " --paired-fraction {wildcards.fraction} --seed {wildcards.seed}"
        " --grid-samples {params.grid_samples} --method-summary --out {output.metrics:q} --samples-out {output.samples:q}"
        " > {log:q} 2>&1"


rule collect_metrics:
    input:
        lambda w: metric_fragments(),
    output:
        f"{REPORTS}/metrics.csv",
    params:
        code=CODE["evaluate"],
    log:
        f"{LOGS}/collect_metrics.log",
    shell:
        "{PYTHON} collect-metrics --out {output:q} {input:q} > {log:q} 2>&1"

