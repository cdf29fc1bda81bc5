# Table 2 of every study (the evaluator's accuracy on test data and on VAE reconstructions), and
# metrics.csv, merged from every study's per-job metric fragments.


rule evaluate_classifier:
    input:
        data=P.path("prepared"),
        classifier=P.path("classifier"),
    output:
        P.path("classifier_metrics"),
    params:
        spec=WF.evaluate_classifier,
        code=WF.code["evaluate_classifier"],
    log:
        P.log("classifier_metrics"),
    benchmark:
        P.benchmark("classifier_metrics")
    shell:
        "{PYTHON} evaluate-classifier {params.spec:q} > {log:q} 2>&1"


rule evaluate_vae:
    input:
        data=P.path("prepared"),
        vae=P.path("vae"),
        classifier=P.path("classifier"),
    output:
        P.path("vae_metrics"),
    params:
        spec=WF.evaluate_vae,
        code=WF.code["evaluate_vae"],
    log:
        P.log("vae_metrics"),
    benchmark:
        P.benchmark("vae_metrics")
    shell:
        "{PYTHON} evaluate-vae {params.spec:q} > {log:q} 2>&1"


rule collect_metrics:
    input:
        WF.metric_fragments(),
    output:
        P.path("metrics"),
    params:
        spec=lambda w, input: WF.collect_metrics(input),
        code=WF.code["collect"],
    log:
        P.log("metrics"),
    shell:
        "{PYTHON} collect-metrics {params.spec:q} > {log:q} 2>&1"
