# The CMMD study (config `studies: [cmmd]`): its generated data (two-view noisy MNIST, MNIST's
# pairing with FSDD or SVHN, digit texts) made from the shared prepared data, the text evaluator,
# its methods on each dataset (CMMD's omega sweep on two-view MNIST), their evaluation and the
# collapse figure. Which files a config asks for, and what each rule takes, is in
# crossmodal.studies.cmmd.plan.

from crossmodal.studies.cmmd import plan as cmmd


rule cmmd_two_view:
    input:
        mnist=P.path("prepared", dataset="mnist"),
    output:
        P.path("cmmd_data", dataset=cmmd.TWO_VIEW_FILE),
    params:
        spec=cmmd.generate_two_view(WF),
        code=cmmd.generation_code(),
    log:
        P.log("cmmd_data", dataset=cmmd.TWO_VIEW_FILE),
    benchmark:
        P.benchmark("cmmd_data", dataset=cmmd.TWO_VIEW_FILE)
    threads: 1
    shell:
        "{PYTHON} --threads {threads} cmmd-two-view {params.spec:q} > {log:q} 2>&1"


rule cmmd_text:
    input:
        unpack(lambda w: cmmd.text_inputs(WF)),
    output:
        pairing=P.path("cmmd_data", dataset=cmmd.PAIRING_FILE),
        text=P.path("cmmd_data", dataset=cmmd.TEXT_FILE),
    params:
        spec=cmmd.generate_text(WF),
        code=cmmd.generation_code(),
    log:
        P.log("cmmd_data", dataset=cmmd.TEXT_FILE),
    benchmark:
        P.benchmark("cmmd_data", dataset=cmmd.TEXT_FILE)
    threads: 1
    shell:
        "{PYTHON} --threads {threads} cmmd-text {params.spec:q} > {log:q} 2>&1"


# The text evaluator: the shared classifier job on the digit texts.
rule cmmd_text_classifier:
    input:
        data=P.path("cmmd_data", dataset=cmmd.TEXT_FILE),
    output:
        model=P.path("cmmd_text_classifier"),
        summary=P.summary("cmmd_text_classifier"),
    params:
        spec=lambda w: cmmd.train_text_classifier(WF, w),
        code=WF.code["classifier"],
    log:
        P.log("cmmd_text_classifier"),
    benchmark:
        P.benchmark("cmmd_text_classifier")
    threads: 1
    shell:
        "{PYTHON} --threads {threads} train-classifier {params.spec:q} > {log:q} 2>&1"


rule cmmd_train:
    input:
        unpack(lambda w: cmmd.data_files(WF, w.dataset)),
    output:
        model=P.path("cmmd_model"),
        summary=P.summary("cmmd_model"),
    wildcard_constraints:
        dataset=cmmd.DATASET_PATTERN,
    params:
        spec=lambda w: cmmd.train(WF, w),
        code=lambda w: cmmd.training_code(w.method),
    log:
        P.log("cmmd_model"),
    benchmark:
        P.benchmark("cmmd_model")
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} cmmd-train {params.spec:q} > {log:q} 2>&1"


use rule cmmd_train as cmmd_train_omega with:
    output:
        model=P.path("cmmd_omega_model"),
        summary=P.summary("cmmd_omega_model"),
    params:
        spec=lambda w: cmmd.train_omega(WF, w),
        code=cmmd.training_code("cmmd"),
    log:
        P.log("cmmd_omega_model"),
    benchmark:
        P.benchmark("cmmd_omega_model")


rule cmmd_evaluate:
    input:
        unpack(lambda w: cmmd.evaluation_inputs(WF, w, "method")),
    output:
        P.path("cmmd_metrics"),
    wildcard_constraints:
        dataset=cmmd.DATASET_PATTERN,
    params:
        spec=lambda w: cmmd.evaluate(WF, w, "method"),
        code=lambda w: cmmd.evaluation_code(w.method),
    log:
        P.log("cmmd_metrics"),
    benchmark:
        P.benchmark("cmmd_metrics")
    threads: 1
    shell:
        "{PYTHON} --threads {threads} cmmd-evaluate {params.spec:q} > {log:q} 2>&1"


use rule cmmd_evaluate as cmmd_evaluate_omega with:
    input:
        unpack(lambda w: cmmd.evaluation_inputs(WF, w, "omega")),
    output:
        P.path("cmmd_omega_metrics"),
    params:
        spec=lambda w: cmmd.evaluate(WF, w, "omega"),
        code=cmmd.evaluation_code("cmmd"),
    log:
        P.log("cmmd_omega_metrics"),
    benchmark:
        P.benchmark("cmmd_omega_metrics")


rule cmmd_plot:
    input:
        P.path("metrics"),
    output:
        **P.plotted("cmmd_figure", figure="collapse"),
    params:
        spec=cmmd.plot_collapse(WF),
        code=cmmd.plot_code(),
    log:
        P.log("cmmd_figure", figure="collapse"),
    shell:
        "{PYTHON} --threads 1 cmmd-plot {params.spec:q} > {log:q} 2>&1"
