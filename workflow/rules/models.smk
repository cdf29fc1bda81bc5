# Every study's per-modality models: a classifier (the evaluator) and a VAE per dataset, and the
# VAEs' cached posteriors.


rule train_classifier:
    input:
        data=P.path("prepared"),
    output:
        model=P.path("classifier"),
        summary=P.summary("classifier"),
    params:
        spec=WF.train_classifier,
        code=WF.code["classifier"],
    log:
        P.log("classifier"),
    benchmark:
        P.benchmark("classifier")
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} train-classifier {params.spec:q} > {log:q} 2>&1"


rule train_vae:
    input:
        data=P.path("prepared"),
    output:
        model=P.path("vae"),
        summary=P.summary("vae"),
    params:
        spec=WF.train_vae,
        code=WF.code["vae"],
    log:
        P.log("vae"),
    benchmark:
        P.benchmark("vae")
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} train-vae {params.spec:q} > {log:q} 2>&1"


rule encode_latents:
    input:
        data=P.path("prepared"),
        vae=P.path("vae"),
    output:
        P.path("latents"),
    params:
        spec=WF.encode_latents,
    log:
        P.log("latents"),
    benchmark:
        P.benchmark("latents")
    threads: 1
    shell:
        "{PYTHON} --threads {threads} encode-latents {params.spec:q} > {log:q} 2>&1"
