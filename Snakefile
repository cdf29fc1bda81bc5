# One-command reproduction of cross-modal VAE papers (config `studies`: avae, bridged, m2vae, cmmd, alignment).
# Thin by design: load + validate the config, include the rules, define the targets.
#   snakemake --profile workflow/profiles/default --configfile config/<name>.yaml

import os
import sys
from pathlib import Path

# Jobs import this checkout's package, whatever else is installed (worktrees, clusters).
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)

from snakemake.exceptions import WorkflowError

from crossmodal.config import validate_config
from crossmodal.config_file import reconcile_with_files

if not config:
    raise WorkflowError(
        "no configuration: run `make reproduce CONFIG=<name>` or pass "
        "`--configfile config/<name>.yaml` (smoke, offline, paper)"
    )
# Snakemake's YAML reading keeps the last of two equal keys and reads 1e300 as text: read the
# files again strictly (duplicates refused, naming both lines) before validating.
reconcile_with_files(config, workflow.configfiles)
# Not a `configfile:` default: snakemake would deep-merge it under the chosen one.
validate_config(config)


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/evaluation.smk"
include: "workflow/rules/report.smk"
# Each study's own rules (workflow/rules/<study>.smk), only for the studies the config runs and
# those whose models they reuse.
for study in WF.rule_studies:
    include: f"workflow/rules/{study}.smk"


rule all:
    input:
        WF.raw_verified(),
        P.path("metrics"),
        P.path("report"),
    default_target: True
