# Figures, tables and the report. Compute (figure data, from results/) is kept apart from plotting
# (from reports/<config>/ only), so a restyle reruns plotting and the report, never a model.

FIGURE_DATA = f"{REPORTS}/figure_data"
FIGURES = f"{REPORTS}/figures"
TABLE_NAMES = ("table1", "table2", "table3", "figure5", "methods", "sweeps")
# The report's settings: what it needs of the config, so that only these keys rerun it.
# Datasets as a list: canonical JSON sorts a mapping's keys, and the tables keep the config's order.
REPORT_SETTINGS = {"name": CONFIG_NAME, "seeds": SEEDS, "scenarios": config["scenarios"], "datasets": list(config["datasets"]),
                   "dataset_options": config["datasets"],
                   "latent_dim": LATENT_DIM, "experiments": config["experiments"], "report": config["report"],
                   # Every model family's code version: runs combined into one report must agree on all of them.
                   "code": {**CODE, **{f"baseline_{name}": version for name, version in BASELINE_CODE.items()}},
                   "validation_sweeps": sweep_report_settings()}
# The one style every figure is drawn in; only these keys rerun the plotting rules.
STYLE = as_json({k: config["report"][k] for k in ("style", "palette", "dpi", "font_scale")})
FIGURE_CODE = code_version("report/figures.py", "report/analysis.py", "studies/avae/tables.py", "studies/avae/claims.py")


def plotted(path):
    """The PNG and PDF a plotting rule writes for ``path`` (without suffix)."""
    return {"png": f"{path}.png", "pdf": f"{path}.pdf"}


# --- compute: figure data under reports/<config>/figure_data/ ------------------------------------


rule project_latents:
    input:
        source_latents=latents("{source}", "{sdim}", "{seed}"),
        target_latents=latents("{target}", "{tdim}", "{seed}"),
        associator=associator_model("{source}", "{target}", "{sdim}", "{tdim}", "1.0", "{seed}"),
        source_classifier=classifier_model("{source}", "{seed}"),
        target_classifier=classifier_model("{target}", "{seed}"),
    output:
        f"{FIGURE_DATA}/latents/{{source}}-{{target}}_z{{sdim}}-{{tdim}}_seed{{seed}}.npz",
    params:
        class_map=class_map_json,
        points=config["report"]["latent_points"],
        code=code_version("report/figure_data.py", "jobs.py"),
    log:
        f"{LOGS}/figure_data/latents_{{source}}-{{target}}_z{{sdim}}-{{tdim}}_seed{{seed}}.log",
    shell:
        "{PYTHON} --threads 1 project-latents --source {wildcards.source:q} --target {wildcards.target:q}"
        " --source-latents {input.source_latents:q} --target-latents {input.target_latents:q}"
        " --associator {input.associator:q} --source-classifier {input.source_classifier:q}"
        " --target-classifier {input.target_classifier:q} --class-map {params.class_map:q}"
        " --points {params.points:q} --seed {wildcards.seed} --out {output:q} > {log:q} 2>&1"


# The figure data below is shared by `make push` (figure_data/ is in artifacts/<config>.dvc), but
# metrics.csv is not: these rules read the metric fragments under results/ instead, so that after a
# pull they do not rerun behind a regenerated metrics.csv.

# With every metric fragment written, every model of the run is trained: this picks up every model
# summary (classifiers, VAEs, associators, and any other method's that save_model writes) and benchmark.
rule collect_run_records:
    input:
        fragments=lambda w: metric_fragments(),
        dvc_records=raw_data_records(),
    output:
        models=f"{FIGURE_DATA}/run/models.json.gz",
        benchmarks=f"{FIGURE_DATA}/run/benchmarks.csv",
        dvc_records=[f"{FIGURE_DATA}/run/dvc/{dataset}.dvc" for dataset in config["datasets"]],
    params:
        models_dir=f"{RESULTS}/models",
        code=code_version("report/figure_data.py"),
    log:
        f"{LOGS}/figure_data/run_records.log",
    shell:
        "{PYTHON} collect-run-records --models-dir {params.models_dir:q} --benchmarks-dir {BENCH:q}"
        " --dvc-records {input.dvc_records:q} --out-dir {FIGURE_DATA:q}/run > {log:q} 2>&1"


# What a paired fraction means in examples: the report prints it under Figure 5.
rule split_sizes:
    input:
        [prepared(dataset) for dataset in config["datasets"]],
    output:
        f"{FIGURE_DATA}/run/split_sizes.json",
    params:
        code=code_version("report/figure_data.py"),
    log:
        f"{LOGS}/figure_data/split_sizes.log",
    shell:
        "{PYTHON} split-sizes --prepared {input:q} --out {output:q} > {log:q} 2>&1"


rule dvc_metrics:
    input:
        lambda w: metric_fragments(),
    output:
        headline=f"{FIGURE_DATA}/headline_metrics.json",
        figure5=f"{FIGURE_DATA}/figure5.csv",
    params:
        code=code_version("report/analysis.py", "studies/avae/tables.py"),
    log:
        f"{LOGS}/figure_data/dvc_metrics.log",
    shell:
        "{PYTHON} dvc-metrics --headline {output.headline:q} --figure5 {output.figure5:q} {input:q} > {log:q} 2>&1"


# --- plotting and tables: reports/<config>/ only ----------------------------------------------


rule plot_samples:
    input:
        f"{FIGURE_DATA}/samples/{{name}}.npz",
    output:
        png=report(f"{FIGURES}/samples/{{name}}.png", category="Qualitative grids", caption="../report/samples.rst"),
        pdf=f"{FIGURES}/samples/{{name}}.pdf",
    params:
        style=STYLE,
        code=FIGURE_CODE,
    log:
        f"{LOGS}/plot/samples_{{name}}.log",
    shell:
        "{PYTHON} plot --figure samples --data {input:q} --style {params.style:q}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plot_latents:
    input:
        f"{FIGURE_DATA}/latents/{{name}}.npz",
    output:
        png=report(f"{FIGURES}/latents/{{name}}.png", category="Latent spaces", caption="../report/latents.rst"),
        pdf=f"{FIGURES}/latents/{{name}}.pdf",
    params:
        style=STYLE,
        code=FIGURE_CODE,
    log:
        f"{LOGS}/plot/latents_{{name}}.log",
    shell:
        "{PYTHON} plot --figure latents --data {input:q} --style {params.style:q}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plot_figure5:
    input:
        f"{REPORTS}/metrics.csv",
    output:
        png=report(f"{FIGURES}/figure5.png", category="Figure 5", caption="../report/figure5.rst"),
        pdf=f"{FIGURES}/figure5.pdf",
    params:
        style=STYLE,
        code=FIGURE_CODE,
    log:
        f"{LOGS}/plot/figure5.log",
    shell:
        "{PYTHON} plot --figure figure5 --data {input:q} --style {params.style:q}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule plot_training:
    input:
        f"{FIGURE_DATA}/run/models.json.gz",
    output:
        png=report(f"{FIGURES}/training.png", category="Training", caption="../report/training.rst"),
        pdf=f"{FIGURES}/training.pdf",
    params:
        style=STYLE,
        code=FIGURE_CODE,
    log:
        f"{LOGS}/plot/training.log",
    shell:
        "{PYTHON} plot --figure training --data {input:q} --style {params.style:q}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule tables:
    input:
        f"{REPORTS}/metrics.csv",
    output:
        **{f"{name}_csv": report(f"{REPORTS}/tables/{name}.csv", category="Tables", caption="../report/tables.rst")
           for name in TABLE_NAMES},
        **{f"{name}_tex": f"{REPORTS}/tables/{name}.tex" for name in TABLE_NAMES},
    params:
        settings=as_json(REPORT_SETTINGS),
        code=code_version("report/analysis.py", "studies/__init__.py", "studies/avae/tables.py", "studies/avae/paper.py",
                          "studies/avae/paper_values.csv"),
    log:
        f"{LOGS}/tables.log",
    shell:
        "{PYTHON} tables --metrics {input:q} --params {params.settings:q} --out-dir {REPORTS:q}/tables > {log:q} 2>&1"


rule report:
    input:
        metrics=f"{REPORTS}/metrics.csv",
        figures=lambda w: report_figures(),
        tables=rules.tables.output,
        run_records=rules.collect_run_records.output,
        split_sizes=rules.split_sizes.output,
        dvc_metrics=rules.dvc_metrics.output,
        config_file=workflow.configfiles[-1],
    output:
        page=report(f"{REPORTS}/report.html", category="Report", caption="../report/report.rst"),
        # One page per study beside the index page, which links them.
        study_pages=[f"{REPORTS}/{study}.html" for study in config.get("studies", ["avae"])],
        # The run's settings and provenance: with metrics.csv and figure_data/, what combine-runs needs.
        record=f"{REPORTS}/run.json",
    params:
        settings=as_json(REPORT_SETTINGS),
        code=code_version("report/html.py", "report/analysis.py", "report/embed.py", "report/figure_data.py",
                          "report/gap_notes.py", *(f"report/templates/{t}.html" for t in ("base", "macros", "provenance", "index")),
                          "studies/__init__.py", *(f"studies/avae/{m}" for m in (
                              "__init__.py", "paper.py", "paper_values.csv", "claims.py", "tables.py", "deviations.py",
                              "gap_notes.yaml", "page.py", "templates/avae.html"))),
    log:
        f"{LOGS}/report.log",
    shell:
        "{PYTHON} report --config-file {input.config_file:q} --params {params.settings:q}"
        " --report-dir {REPORTS:q} --out {output.page:q} --run-record {output.record:q} > {log:q} 2>&1"


def latent_figures():
    """One latent-space figure per scenario (first seed, all pairs)."""
    return [f"{FIGURES}/latents/{s['source']}-{s['target']}_z{LATENT_DIM}-{LATENT_DIM}_seed{SEEDS[0]}.png"
            for s in config["scenarios"]]


REPORT_FIGURE_PROVIDERS.append(latent_figures)
REPORT_FIGURE_PROVIDERS.append(lambda: [f"{FIGURES}/figure5.png", f"{FIGURES}/training.png"])
