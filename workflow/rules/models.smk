# Every study's per-modality models: a classifier (the evaluator) and a VAE per dataset, and the
# VAEs' cached posteriors.


rule train_classifier:
    input:
        data=P.path("prepared"),
    output:
        model=P.path("classifier"),
        summary=P.summary("classifier"),
    params:
        command=lambda w, input, output, threads: WF.train_classifier(w, input, output, threads),
        code=WF.code["classifier"],
    log:
        P.log("classifier"),
    benchmark:
        P.benchmark("classifier")
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} {params.command} > {log:q} 2>&1"


rule train_vae:
    input:
        data=P.path("prepared"),
    output:
        model=P.path("vae"),
        summary=P.summary("vae"),
    params:
        command=lambda w, input, output, threads: WF.train_vae(w, input, output, threads),
        code=WF.code["vae"],
    log:
        P.log("vae"),
    benchmark:
        P.benchmark("vae")
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} {params.command} > {log:q} 2>&1"


rule encode_latents:
    input:
        data=P.path("prepared"),
        vae=P.path("vae"),
    output:
        P.path("latents"),
    params:
        command=lambda w, input, output, threads: WF.encode_latents(input, output, threads),
    log:
        P.log("latents"),
    threads: 1
    shell:
        "{PYTHON} {params.command} > {log:q} 2>&1"
