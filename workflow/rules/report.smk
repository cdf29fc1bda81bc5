# Figures, tables and the report. Compute (figure data, from results/) is kept apart from plotting
# (from reports/<config>/ only), so a restyle reruns plotting and the report, never a model.
# The figure data below is shared by `make push` (figure_data/ is in artifacts/<config>.dvc), but
# metrics.csv is not: these rules read the metric fragments under results/ instead, so that after a
# pull they do not rerun behind a regenerated metrics.csv.


# With every metric fragment written, every model of the run is trained: this picks up every model
# summary (classifiers, VAEs, associators, and any other method's that save_model writes) and benchmark.
rule collect_run_records:
    input:
        fragments=WF.metric_fragments(),
        # What acquisition verified: copied as it is. `make pull` writes these afresh, so their
        # mtimes must not rerun the shared figure data.
        verified=ancient(WF.raw_verified()),
    output:
        models=P.path("run_models"),
        benchmarks=P.path("run_benchmarks"),
        dvc_records=WF.run_dvc_records(),
        verified=WF.run_verified_records(),
    params:
        spec=lambda w, input: WF.collect_run_records(input.verified),
        code=WF.report_code("figure_data"),
    log:
        P.log("run_models"),
    shell:
        "{PYTHON} collect-run-records {params.spec:q} > {log:q} 2>&1"


# What a paired fraction means in examples: the report prints it under Figure 5.
rule split_sizes:
    input:
        WF.prepared(),
    output:
        P.path("split_sizes"),
    params:
        spec=lambda w, input: WF.split_sizes(input),
        code=WF.report_code("figure_data"),
    log:
        P.log("split_sizes"),
    shell:
        "{PYTHON} split-sizes {params.spec:q} > {log:q} 2>&1"


rule dvc_metrics:
    input:
        WF.metric_fragments(),
    output:
        headline=P.path("headline_metrics"),
        figure5=P.path("figure5_data"),
    params:
        spec=lambda w, input: WF.dvc_metrics(input),
        code=WF.report_code("dvc_metrics"),
    log:
        P.log("headline_metrics"),
    shell:
        "{PYTHON} dvc-metrics {params.spec:q} > {log:q} 2>&1"


# --- plotting and tables: reports/<config>/ only ----------------------------------------------


# One figure per figure data file (qualitative grids, latent spaces).
rule plot_figure_data:
    input:
        P.path("figure_data"),
    output:
        png=report(P.path("figure_of_data"), category=lambda w: FIGURE_CATEGORIES[w.figure], caption="../report/figure.rst"),
        pdf=P.plotted("figure_of_data")["pdf"],
    wildcard_constraints:
        figure="samples|latents",
    params:
        spec=WF.plot_figure_data,
        code=WF.report_code("plot"),
    log:
        P.log("figure_of_data"),
    benchmark:
        P.benchmark("figure_of_data")
    shell:
        "{PYTHON} plot {params.spec:q} > {log:q} 2>&1"


# A figure of the whole run: Figure 5 (from metrics.csv), training curves (from the model summaries).
rule plot_run_figure:
    input:
        lambda w: WF.figure_data_input(w.figure),
    output:
        png=report(P.path("figure"), category=lambda w: FIGURE_CATEGORIES[w.figure], caption="../report/figure.rst"),
        pdf=P.plotted("figure")["pdf"],
    wildcard_constraints:
        figure="figure5|training",
    params:
        spec=WF.plot_run_figure,
        code=WF.report_code("plot"),
    log:
        P.log("figure"),
    shell:
        "{PYTHON} plot {params.spec:q} > {log:q} 2>&1"


rule tables:
    input:
        P.path("metrics"),
    output:
        **{name: report(path, category="Tables", caption="../report/tables.rst") if name.endswith("_csv") else path
           for name, path in WF.table_outputs().items()},
    params:
        spec=WF.tables(),
        code=WF.report_code("tables"),
    log:
        P.log("table_csv", table="all"),
    shell:
        "{PYTHON} tables {params.spec:q} > {log:q} 2>&1"


rule report:
    input:
        metrics=P.path("metrics"),
        figures=WF.report_figures(),
        tables=rules.tables.output,
        run_records=rules.collect_run_records.output,
        split_sizes=rules.split_sizes.output,
        dvc_metrics=rules.dvc_metrics.output,
        config_file=workflow.configfiles[-1],
    output:
        page=report(P.path("report"), category="Report", caption="../report/report.rst"),
        # One page per study beside the index page, which links them.
        study_pages=WF.study_pages(),
        # The run's settings and provenance: with metrics.csv and figure_data/, what combine-runs needs.
        record=P.path("run_record"),
    params:
        spec=lambda w, input: WF.report(input.config_file),
        code=WF.report_code("report"),
    log:
        P.log("report"),
    shell:
        "{PYTHON} report {params.spec:q} > {log:q} 2>&1"
