# Figures and the report: cheap rules that read only files under reports/<config>/, so a restyle
# never retrains anything.


rule plot_samples:
    input:
        f"{REPORTS}/figure_data/samples/{{name}}.npz",
    output:
        png=report(
            f"{REPORTS}/figures/samples/{{name}}.png",
            category="Qualitative grids",
            caption="../report/samples.rst",
        ),
        pdf=f"{REPORTS}/figures/samples/{{name}}.pdf",
    params:
        style=as_json(config["report"]),
        code=code_version("report/figures.py"),
    log:
        f"{LOGS}/plot/samples_{{name}}.log",
    shell:
        "{PYTHON} plot-samples --data {input:q} --style {params.style:q}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"


rule report:
    input:
        metrics=f"{REPORTS}/metrics.csv",
        figures=lambda w: report_figures(),
        config_file=workflow.configfiles[-1],
    output:
        report(f"{REPORTS}/report.html", category="Report", caption="../report/report.rst"),
    params:
        settings=as_json({"name": CONFIG_NAME, "seeds": SEEDS, "scenarios": config["scenarios"],
                          "datasets": list(config["datasets"]), "latent_dim": LATENT_DIM,
                          "code": CODE, "report": config["report"]}),
        code=code_version("report/html.py", "report/paper.py"),
    log:
        f"{LOGS}/report.log",
    shell:
        "{PYTHON} report --config-file {input.config_file:q} --params {params.settings:q}"
        " --report-dir {REPORTS:q} --out {output:q} > {log:q} 2>&1"
