# The Bridged VAE study (config `studies: [bridged]`): every method of its bimodal (image + label)
# and trimodal (two images paired by class + label) settings, trained on the shared prepared data,
# and scored against the shared evaluator classifiers. Which files a config asks for, and what each
# rule takes, is in crossmodal.studies.bridged.plan.

from crossmodal.studies.bridged import plan as bridged


# A method's model; the Bridged VAE's bridges train through its frozen joint model.
rule bridged_train:
    input:
        unpack(lambda w: bridged.train_inputs(WF, w)),
    output:
        model=P.path("bridged_model"),
        summary=P.summary("bridged_model"),
    wildcard_constraints:
        method=bridged.METHOD_PATTERN,
        name=bridged.SETTING_PATTERN,
    params:
        spec=lambda w: bridged.train(WF, w),
        code=lambda w: bridged.code(w.method),
    log:
        P.log("bridged_model"),
    benchmark:
        P.benchmark("bridged_model")
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} bridged-train {params.spec:q} > {log:q} 2>&1"


# Its log-likelihoods (Tables 1, 2, 4), label errors, generation and parameter count.
rule bridged_evaluate:
    input:
        unpack(lambda w: bridged.evaluate_inputs(WF, w)),
    output:
        P.path("bridged_metrics"),
    wildcard_constraints:
        method=bridged.METHOD_PATTERN,
        name=bridged.SETTING_PATTERN,
    params:
        spec=lambda w: bridged.evaluate(WF, w),
        code=lambda w: bridged.code(w.method, evaluation=True),
    log:
        P.log("bridged_metrics"),
    benchmark:
        P.benchmark("bridged_metrics")
    threads: 1
    shell:
        "{PYTHON} --threads {threads} bridged-evaluate {params.spec:q} > {log:q} 2>&1"


# Figures 6-7's data: a trimodal model's cross-generation from one image dataset to the other.
rule bridged_grid:
    input:
        unpack(lambda w: bridged.grid_inputs(WF, w)),
    output:
        P.path("figure_data", figure="samples", name=bridged.GRID_NAME),
    wildcard_constraints:
        method=bridged.METHOD_PATTERN,
    params:
        spec=lambda w: bridged.grid(WF, w),
        code=lambda w: bridged.code(w.method, evaluation=True),
    log:
        P.log("figure_data", figure="samples", name=bridged.GRID_NAME),
    threads: 1
    shell:
        "{PYTHON} --threads {threads} bridged-grid {params.spec:q} > {log:q} 2>&1"
