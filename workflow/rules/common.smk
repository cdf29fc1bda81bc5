# What every rule file shares: the run's Workflow (paths, parameters, command lines: all in tested
# Python, crossmodal.workflow), the interpreter, and the wildcards' patterns.

import shlex
import sys

from crossmodal.paths import wildcard_constraints as field_patterns
from crossmodal.workflow import FIGURE_CATEGORIES, Workflow

WF = Workflow(config)
P = WF.paths
PYTHON = f"{shlex.quote(sys.executable)} -m crossmodal"

wildcard_constraints:
    **field_patterns(),
