"""Reading a config file strictly: every problem names the file and its line.

Snakemake reads ``--configfile`` with a YAML 1.1 loader that silently keeps the last of two equal
keys, reads ``1e300`` as a string (YAML 1.1 wants a dot in a float) and reports a syntax error
without file or line. This module reads the same file again, as the Snakefile's first step, and
``make`` checks it before Snakemake starts (``python -m crossmodal.config_file <file>``), so that a
syntax error is named there too.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from crossmodal.config import ConfigError

# YAML 1.2's core schema: a float needs no dot (1e300, 2E-5). PyYAML's 1.1 resolver keeps its own
# forms (1.5, .inf, .nan, 1_000.0); this adds the exponent-only one.
_EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9]+[eE][-+]?[0-9]+$")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and reads YAML 1.2 exponent floats as numbers."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError(
                    f"{self.name}: key {key!r} appears twice in one mapping, on lines {seen[key]} and {line}; "
                    "YAML would silently keep the last one. Keep one of them."
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789"))


def load_config_file(path: Path | str) -> dict[str, Any]:
    """The config in ``path``; :class:`ConfigError` naming the file (and line) for a file that is
    empty, not valid YAML, not a mapping at the top, or holds a key twice."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror or exc})") from None
    loader = _StrictLoader(text)
    loader.name = str(path)
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    if document is None:
        raise ConfigError(f"{path}: the config file is empty")
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: a config file holds keys at its top level, not a {type(document).__name__}")
    return document


def adopt_yaml12_numbers(config: Any, strict: Any) -> Any:
    """``config`` (as Snakemake read it) with the numbers YAML 1.1 left as strings (``"1e300"``)
    replaced by the strict reading's floats. Only values Snakemake read as exactly the file's text
    change, so command-line overrides (``--config``) keep precedence."""
    if isinstance(config, dict) and isinstance(strict, dict):
        for key in config:
            if key in strict:
                config[key] = adopt_yaml12_numbers(config[key], strict[key])
        return config
    if isinstance(config, list) and isinstance(strict, list) and len(config) == len(strict):
        return [adopt_yaml12_numbers(c, s) for c, s in zip(config, strict)]
    if isinstance(config, str) and isinstance(strict, float) and _EXPONENT_FLOAT.match(config.strip()):
        return strict
    return config


def reconcile_with_files(config: dict[str, Any], config_files: Sequence[Path | str]) -> dict[str, Any]:
    """Read each of Snakemake's config files strictly (raising :class:`ConfigError` on duplicate
    keys) and adopt their YAML 1.2 numbers into ``config``, in place."""
    for path in config_files:
        adopt_yaml12_numbers(config, load_config_file(path))
    return config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crossmodal.config_file",
                                     description="Check that config files read as YAML, strictly.")
    parser.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args(argv)
    try:
        for path in args.files:
            load_config_file(path)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
