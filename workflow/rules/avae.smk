# The AVAE study (config `studies: [avae]`): associators on the shared frozen VAEs, the baselines of
# its Table 1, their evaluation in Table 1, Figure 5 and ours-flex, Table 3's cascades, the
# validation sweeps and the latent-space figure data. Which files a config asks for, and what each
# rule takes, is in crossmodal.studies.avae.plan.

from crossmodal.studies.avae import plan as avae


rule train_associator:
    input:
        source_latents=P.path("latents", dataset="{source}", dim="{sdim}"),
        target_data=P.path("prepared", dataset="{target}"),
        target_vae=P.path("vae", dataset="{target}", dim="{tdim}"),
    output:
        model=P.path("associator"),
        summary=P.summary("associator"),
    params:
        spec=lambda w: avae.train_associator(WF, w),
        code=WF.code["associator"],
    log:
        P.log("associator"),
    benchmark:
        P.benchmark("associator")
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} train-associator {params.spec:q} > {log:q} 2>&1"


# A baseline's model: Table 1's and Figure 5's, and a validation sweep's other settings (the sweep's
# configured setting reuses Table 1's model).
rule train_baseline:
    input:
        source_data=P.path("prepared", dataset="{source}"),
        target_data=P.path("prepared", dataset="{target}"),
    output:
        model=P.path("baseline"),
        summary=P.summary("baseline"),
    wildcard_constraints:
        method=avae.PAIRWISE_PATTERN,
    params:
        spec=lambda w: avae.train_baseline(WF, w),
        code=lambda w: avae.baseline_code(w.method),
    log:
        P.log("baseline"),
    benchmark:
        P.benchmark("baseline")
    threads: 1
    resources:
        gpu=1,
    shell:
        "{PYTHON} --threads {threads} train-baseline {params.spec:q} > {log:q} 2>&1"


# A symmetric pairwise method's one model of a modality pair (config one_model_per_pair), for its
# full-pairing cells in both directions (AVAE's Table 1, the benchmark's).
use rule train_baseline as train_pair_baseline with:
    params:
        spec=lambda w: avae.train_pair_baseline(WF, w),
        code=lambda w: avae.baseline_code(w.method),
    output:
        model=P.path("pair_baseline"),
        summary=P.summary("pair_baseline"),
    log:
        P.log("pair_baseline"),
    benchmark:
        P.benchmark("pair_baseline")


use rule train_baseline as train_sweep_baseline with:
    params:
        spec=lambda w: avae.train_sweep_baseline(WF, w),
        code=lambda w: avae.baseline_code(w.method),
    output:
        model=P.path("sweep_model"),
        summary=P.summary("sweep_model"),
    log:
        P.log("sweep_model"),
    benchmark:
        P.benchmark("sweep_model")


# Table 1: any method's accuracy, its methods rows, the data of its qualitative grid and each test
# sample's verdict (the benchmark's intervals).
rule evaluate_association:
    input:
        unpack(lambda w: avae.association_inputs(WF, w)),
    output:
        metrics=P.path("association_metrics", experiment="table1"),
        samples=P.path("sample_data"),
        predictions=P.path("prediction_data", experiment="table1"),
    wildcard_constraints:
        method=avae.ASSOCIATION_METHOD_PATTERN,
    params:
        job=lambda w: avae.evaluation_job(w.method),
        spec=lambda w: avae.evaluate_association(WF, w, "table1"),
        code=lambda w: avae.evaluation_code(WF, w.method),
    log:
        P.log("association_metrics", experiment="table1"),
    benchmark:
        P.benchmark("association_metrics", experiment="table1")
    threads: 1
    shell:
        "{PYTHON} {params.job} {params.spec:q} > {log:q} 2>&1"


# Figure 5 (any method at each paired fraction) and ours-flex (AVAE at per-dataset latent sizes).
use rule evaluate_association as evaluate_experiment with:
    params:
        job=lambda w: avae.evaluation_job(w.method),
        spec=lambda w: avae.evaluate_association(WF, w, w.experiment),
        code=lambda w: avae.evaluation_code(WF, w.method),
    output:
        metrics=P.path("association_metrics"),
        predictions=P.path("prediction_data"),
    wildcard_constraints:
        method=avae.ASSOCIATION_METHOD_PATTERN,
        experiment=avae.EXPERIMENT_PATTERN,
    log:
        P.log("association_metrics"),
    benchmark:
        P.benchmark("association_metrics")


# Table 3: association through a chain of associators against the direct one.
rule evaluate_cascade:
    input:
        unpack(lambda w: avae.cascade_inputs(WF, w)),
    output:
        P.path("cascade_metrics"),
    params:
        spec=lambda w: avae.evaluate_cascade(WF, w),
        code=WF.code["evaluate"],
    log:
        P.log("cascade_metrics"),
    benchmark:
        P.benchmark("cascade_metrics")
    shell:
        "{PYTHON} evaluate-cascade {params.spec:q} > {log:q} 2>&1"


# Validation sweeps (config `validation_sweeps`): evidence for a baseline's gap to the paper, each
# setting scored on the validation split (crossmodal.selection); nothing feeds back into the config.
rule evaluate_sweep_point:
    input:
        source_data=P.path("prepared", dataset="{source}"),
        model=lambda w: avae.sweep_model(WF, w),
        target_classifier=P.path("classifier", dataset="{target}"),
    output:
        P.path("sweep_metrics"),
    wildcard_constraints:
        method=avae.BASELINE_PATTERN,
    params:
        spec=lambda w: avae.evaluate_sweep_point(WF, w),
        code=avae.sweep_evaluation_code(),
    log:
        P.log("sweep_metrics"),
    benchmark:
        P.benchmark("sweep_metrics")
    threads: 1
    shell:
        "{PYTHON} --threads {threads} evaluate-sweep-point {params.spec:q} > {log:q} 2>&1"


# Figure data: 2-D projections of two latent spaces and an associator's outputs.
rule project_latents:
    input:
        unpack(lambda w: avae.latent_projection_inputs(WF, w)),
    output:
        P.path("latent_data"),
    params:
        spec=lambda w: avae.project_latents(WF, w),
        code=WF.report_code("project_latents"),
    log:
        P.log("latent_data"),
    benchmark:
        P.benchmark("latent_data")
    shell:
        "{PYTHON} --threads 1 project-latents {params.spec:q} > {log:q} 2>&1"
