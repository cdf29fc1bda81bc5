# One-command reproduction of the Associative VAE (AVAE) and its baselines.
# Thin by design: load + validate the config, include the rules, define the targets.
#   snakemake --profile workflow/profiles/default --configfile config/<name>.yaml

import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from avae.config import validate_config

configfile: "config/smoke.yaml"

validate_config(config)


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/evaluation.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        raw_data_records(),
        f"{REPORTS}/metrics.csv",
        f"{REPORTS}/report.html",
    default_target: True
