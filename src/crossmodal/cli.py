"""``python -m crossmodal <job> '<spec JSON>'``: the thin entry point every workflow rule calls.

Each job's input is one dataclass (crossmodal.jobs.specs), which Snakemake passes as one quoted
JSON argument built in the rule's ``params:``, so no config value is ever interpreted by a shell.
The subcommands and their options are generated from the registry (crossmodal.jobs.JOBS).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from crossmodal.jobs import JOBS
from crossmodal.jobs.specs import SpecError, field_types, from_dict


def _field_option(parser: argparse.ArgumentParser, spec_field: dataclasses.Field, annotation: Any) -> None:
    """One spec field as a command-line option; values stay strings until the spec is validated."""
    meta = spec_field.metadata
    flag = meta.get("flag") or "--" + spec_field.name.replace("_", "-")
    kwargs: dict[str, Any] = {"dest": spec_field.name, "default": None, "help": meta.get("help") or None}
    if annotation is bool:
        kwargs["action"] = "store_true"
    elif meta.get("append"):
        kwargs["action"] = "append"
    elif typing.get_origin(annotation) is list and typing.get_args(annotation)[0] in (str, int, float, Path):
        kwargs["nargs"] = "+"
    parser.add_argument(flag, **kwargs)


def _option_value(value: Any, annotation: Any) -> Any:
    """A JSON-valued option (a mapping, a list of mappings) from its one string."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    structured = typing.get_origin(annotation) is dict or (
        typing.get_origin(annotation) is list and typing.get_origin(typing.get_args(annotation)[0]) is dict)
    if structured and isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{value!r} is not JSON ({exc})") from None
    return value


def build_parser() -> argparse.ArgumentParser:
    """Every registered job as a subcommand taking its spec as one JSON argument, or field by field
    as options (``--source-data PATH``), or both (the options override the JSON)."""
    parser = argparse.ArgumentParser(prog="python -m crossmodal", description=__doc__)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (the rule's threads)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="job", required=True)
    for name, job in JOBS.items():
        p = sub.add_parser(name, help=job.help or None, description=job.help or None)
        p.add_argument("spec", nargs="?", default=None, help=f"the job's {job.spec.__name__} as JSON")
        annotations = field_types(job.spec)
        for spec_field in dataclasses.fields(job.spec):
            _field_option(p, spec_field, annotations[spec_field.name])
    return parser


def job_spec(args: argparse.Namespace) -> Any:
    """The validated spec of the parsed command line: its JSON, with the options given on top."""
    job = JOBS[args.job]
    values = json.loads(args.spec) if args.spec else {}
    if not isinstance(values, dict):
        raise SpecError(f"{job.spec.__name__}: expected a JSON object, got {args.spec!r}")
    annotations = field_types(job.spec)
    for spec_field in dataclasses.fields(job.spec):
        given = getattr(args, spec_field.name)
        if given is not None and given is not False:
            values[spec_field.name] = _option_value(given, annotations[spec_field.name])
    return from_dict(job.spec, values)


class Interrupted(BaseException):
    """A termination signal, raised where the job is so that cleanup code (``finally``) runs.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # cuBLAS is only deterministic with a fixed workspace; it must be set before CUDA starts and is
    # what torch.use_deterministic_algorithms (engine.seed_everything) asks for. No effect on CPU.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if args.threads:
        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(max(1, min(args.threads, 2)))
    # Snakemake and batch schedulers stop jobs with SIGTERM; without a handler Python would die
    # on the spot and leave its temp files behind.
    signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        spec = job_spec(args)
    except (SpecError, json.JSONDecodeError) as exc:  # the caller's input: the reason, no traceback
        print(f"error: {args.job}: {exc}", file=sys.stderr)
        return 2
    try:
        JOBS[args.job].load()(spec)
    except (Interrupted, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        print(
            f"error: {args.job} interrupted by {signal.Signals(signum).name}; no output was written. "
            "Rerun it: training resumes from its last checkpoint.",
            file=sys.stderr,
        )
        return 128 + signum
    except Exception as exc:  # noqa: BLE001 - one clear line for the user, the traceback in the log
        logging.getLogger("crossmodal").exception("%s failed", args.job)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0

