# The alignment study (config `studies: [alignment]`): Cross-modal Variational Alignment, rebuilt
# from the abstract. Its VAE1 (VAE-CG) and VAE2 (the target's VAE) are the AVAE study's models, made
# by the AVAE study's rules, which the Snakefile includes for it (plan.USES_RULES_OF).

from crossmodal.studies.alignment import plan as alignment


rule alignment_train:
    input:
        unpack(lambda w: alignment.inputs(WF, w)),
    output:
        model=P.path("aligner"),
        summary=P.summary("aligner"),
    wildcard_constraints:
        method=alignment.METHOD_PATTERN,
    params:
        spec=lambda w: alignment.train(WF, w),
        code=alignment.code(WF),
    log:
        P.log("aligner"),
    benchmark:
        P.benchmark("aligner")
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} alignment-train {params.spec:q} > {log:q} 2>&1"


rule alignment_evaluate:
    input:
        unpack(lambda w: alignment.evaluation_inputs(WF, w)),
    output:
        metrics=P.path("association_metrics", experiment=alignment.EXPERIMENT),
        samples=P.path("sample_data"),
        predictions=P.path("prediction_data", experiment=alignment.EXPERIMENT),
    wildcard_constraints:
        method=alignment.METHOD_PATTERN,
    params:
        spec=lambda w: alignment.evaluate(WF, w),
        code=alignment.evaluation_code(WF),
    log:
        P.log("association_metrics", experiment=alignment.EXPERIMENT),
    benchmark:
        P.benchmark("association_metrics", experiment=alignment.EXPERIMENT)
    threads: 1
    shell:
        "{PYTHON} --threads {threads} alignment-evaluate {params.spec:q} > {log:q} 2>&1"
