# The benchmark (config `studies: [benchmark]`): every cross-modal method on AVAE's Table 1
# scenarios. Cells another study makes (AVAE's Table 1 and Figure 5, the alignment's) are that
# study's files, made by its rules, which the Snakefile includes for it (plan.USES_RULES_OF); the
# pairwise methods' models are made by the AVAE study's pairwise training rule.

from crossmodal.studies.benchmark import plan as benchmark


# A cell of the benchmark's own: accuracy, cost rows and each test sample's verdict.
rule benchmark_evaluate:
    input:
        unpack(lambda w: benchmark.evaluation_inputs(WF, w)),
    output:
        metrics=P.path("association_metrics", experiment=benchmark.EXPERIMENT),
        predictions=P.path("prediction_data", experiment=benchmark.EXPERIMENT),
    wildcard_constraints:
        method=benchmark.EVALUATED_PATTERN,
    params:
        job=lambda w: benchmark.evaluation_job(w.method),
        spec=lambda w: benchmark.evaluate(WF, w),
        code=lambda w: benchmark.evaluation_code(WF, w.method),
    log:
        P.log("association_metrics", experiment=benchmark.EXPERIMENT),
    benchmark:
        P.benchmark("association_metrics", experiment=benchmark.EXPERIMENT)
    threads: 1
    shell:
        "{PYTHON} {params.job} {params.spec:q} > {log:q} 2>&1"


# One scenario at one paired fraction: every method's paired bootstrap intervals.
rule benchmark_intervals:
    input:
        lambda w: [path for paths in benchmark.intervals_inputs(WF, w).values() for path in paths],
    output:
        P.path("benchmark_intervals"),
    params:
        spec=lambda w: benchmark.intervals(WF, w),
        code=benchmark.intervals_code(),
    log:
        P.log("benchmark_intervals"),
    benchmark:
        P.benchmark("benchmark_intervals")
    threads: 1
    shell:
        "{PYTHON} --threads 1 benchmark-intervals {params.spec:q} > {log:q} 2>&1"


rule benchmark_plot:
    input:
        P.path("metrics"),
    output:
        **P.plotted("benchmark_figure"),
    params:
        spec=lambda w: benchmark.plot(WF, w.figure),
        code=benchmark.plot_code(),
    log:
        P.log("benchmark_figure"),
    shell:
        "{PYTHON} --threads 1 benchmark-plot {params.spec:q} > {log:q} 2>&1"
