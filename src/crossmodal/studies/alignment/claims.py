"""The alignment paper's claim, as the surviving abstract states it ("its superiority against a
number of state-of-the-art approaches"), checked where this package can: against the unaligned
VAE-CG (its own VAE1 decoded directly) and CVA, on every scenario, by the means over seeds."""

from __future__ import annotations

from collections.abc import Mapping

from crossmodal.methods import method_title
from crossmodal.report.analysis import FAILS, HOLDS, UNKNOWN, Claim, Table, fmt

METHOD = "alignment"
RIVALS = ("vae_cg", "cva")


def claim_beats(table: Table, rival: str) -> Claim:
    text = f"The variational alignment generates more accurately than {method_title(rival)} in every scenario"
    rows = {row["method"]: row["cells"] for row in table.rows}
    compared, lost = 0, []
    for i, column in enumerate(table.columns):
        ours, theirs = rows.get(METHOD, [None] * (i + 1))[i], rows.get(rival, [None] * (i + 1))[i]
        if ours is None or theirs is None or ours.mean is None or theirs.mean is None:
            continue
        compared += 1
        if not ours.mean > theirs.mean:
            lost.append(f"{column['title']}: {fmt(ours.mean)} vs {fmt(theirs.mean)}")
    if not compared:
        return Claim(f"beats_{rival}", text, UNKNOWN, f"metrics.csv has no scenario with both the alignment and "
                     f"{method_title(rival)}", "aligntable")
    evidence = f"ahead in {compared - len(lost)} of {compared} scenarios"
    return Claim(f"beats_{rival}", text, FAILS if lost else HOLDS,
                 evidence + ("; behind or level in " + "; ".join(lost) if lost else ""), "aligntable")


def claims(tables: Mapping[str, Table]) -> list[Claim]:
    return [claim_beats(tables["aligntable"], rival) for rival in RIVALS]
