# Phase 1 (per-modality classifiers and VAEs) and phase 2 (associators on frozen VAEs).


rule train_classifier:
    input:
        data=prepared("{dataset}"),
    output:
        model=classifier_model("{dataset}", "{seed}"),
        summary=classifier_model("{dataset}", "{seed}").replace(".pt", ".json"),
    params:
        hparams=classifier_params,
        code=CODE["classifier"],
    log:
        f"{LOGS}/classifier/{{dataset}}_seed{{seed}}.log",
    benchmark:
        f"{BENCH}/classifier/{{dataset}}_seed{{seed}}.tsv"
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} train-classifier --data {input.data:q} --params {params.hparams:q}"
        " --seed {wildcards.seed} --out {output.model:q} > {log:q} 2>&1"


rule train_vae:
    input:
        data=prepared("{dataset}"),
    output:
        model=vae_model("{dataset}", "{dim}", "{seed}"),
        summary=vae_model("{dataset}", "{dim}", "{seed}").replace(".pt", ".json"),
    params:
        hparams=vae_params,
        code=CODE["vae"],
    log:
        f"{LOGS}/vae/{{dataset}}_z{{dim}}_seed{{seed}}.log",
    benchmark:
        f"{BENCH}/vae/{{dataset}}_z{{dim}}_seed{{seed}}.tsv"
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} train-vae --data {input.data:q} --params {params.hparams:q}"
        " --seed {wildcards.seed} --out {output.model:q} > {log:q} 2>&1"


rule encode_latents:
    input:
        data=prepared("{dataset}"),
        vae=vae_model("{dataset}", "{dim}", "{seed}"),
    output:
        latents("{dataset}", "{dim}", "{seed}"),
    log:
        f"{LOGS}/latents/{{dataset}}_z{{dim}}_seed{{seed}}.log",
    threads: 1
    shell:
        "{PYTHON} --threads {threads} encode-latents --data {input.data:q} --vae {input.vae:q}"
        " --out {output:q} > {log:q} 2>&1"


rule train_associator:
    input:
        source_latents=latents("{source}", "{sdim}", "{seed}"),
        target_data=prepared("{target}"),
        target_vae=vae_model("{target}", "{tdim}", "{seed}"),
    output:
        model=associator_model("{source}", "{target}", "{sdim}", "{tdim}", "{fraction}", "{seed}"),
        summary=associator_model("{source}", "{target}", "{sdim}", "{tdim}", "{fraction}", "{seed}").replace(".pt", ".json"),
    params:
        hparams=associator_params,
        class_map=class_map_json,
        code=CODE["associator"],
    log:
        f"{LOGS}/associator/{{source}}-{{target}}_z{{sdim}}-{{tdim}}_p{{fraction}}_seed{{seed}}.log",
    benchmark:
        f"{BENCH}/associator/{{source}}-{{target}}_z{{sdim}}-{{tdim}}_p{{fraction}}_seed{{seed}}.tsv"
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} train-associator --source-latents {input.source_latents:q}"
        " --target-data {input.target_data:q} --target-vae {input.target_vae:q}"
        " --params {params.hparams:q} --class-map {params.class_map:q}"
        " --paired-fraction {wildcards.fraction} --seed {wildcards.seed} --out {output.model:q} > {log:q} 2>&1"
