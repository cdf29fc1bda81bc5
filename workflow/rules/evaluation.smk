# Table 2 of every study (the evaluator's accuracy on test data and on VAE reconstructions), and
# metrics.csv, merged from every study's per-job metric fragments.


rule evaluate_classifier:
    input:
        data=P.path("prepared"),
        classifier=P.path("classifier"),
    output:
        P.path("classifier_metrics"),
    params:
        command=lambda w, input, output: WF.evaluate_classifier(w, input, output),
        code=WF.code["evaluate"],
    log:
        P.log("classifier_metrics"),
    shell:
        "{PYTHON} {params.command} > {log:q} 2>&1"


rule evaluate_vae:
    input:
        data=P.path("prepared"),
        vae=P.path("vae"),
        classifier=P.path("classifier"),
    output:
        P.path("vae_metrics"),
    params:
        command=lambda w, input, output: WF.evaluate_vae(w, input, output),
        code=WF.code["evaluate"],
    log:
        P.log("vae_metrics"),
    shell:
        "{PYTHON} {params.command} > {log:q} 2>&1"


rule collect_metrics:
    input:
        WF.metric_fragments(),
    output:
        P.path("metrics"),
    params:
        command=lambda w, input, output: WF.collect_metrics(input, output),
        code=WF.code["evaluate"],
    log:
        P.log("metrics"),
    shell:
        "{PYTHON} {params.command} > {log:q} 2>&1"
