"""Code versions from what a job imports: no hand-kept list of files per rule.

A job's code version hashes every module of the package its entry modules import, directly or
through others, found by reading the ``import`` statements (at any depth, since jobs import some
modules inside functions to stay fast to start; ``if TYPE_CHECKING:`` blocks excepted), with the
data files beside them (templates, paper values, gap notes). It is a Snakemake param, so editing a
module reruns exactly the jobs that import it.

Models are the one boundary: the job modules reach every model family (``jobs/store.py`` builds
any of them), but a job runs only its own. So the closure does not follow an import from outside
``crossmodal.models`` into it; each job names the model modules it runs as roots instead (for a
registered method, the module its registry entry names), and their closure is followed whole.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

PACKAGE = "crossmodal"
PACKAGE_ROOT = Path(__file__).resolve().parent
MODELS = f"{PACKAGE}.models"
# Files other than Python a module reads from its own folder (and its templates/ subfolder).
DATA_SUFFIXES = (".html", ".csv", ".yaml", ".json")


def module_file(name: str) -> Path | None:
    """The file of package module ``name`` (``crossmodal.a.b``), or None when there is none."""
    relative = Path(*name.split(".")[1:])
    for candidate in (PACKAGE_ROOT / relative.with_suffix(".py"), PACKAGE_ROOT / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


@cache
def imported_modules(name: str) -> frozenset[str]:
    """The package modules ``name`` imports anywhere in its file (``from x import y`` counts ``x``,
    and ``x.y`` when that is a module), with the packages each passes through."""
    path = module_file(name)
    if path is None:
        return frozenset()
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    stack: list[ast.AST] = [ast.parse(path.read_text(), str(path))]
    while stack:
        node = stack.pop()
        if _is_type_checking_block(node):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        stack.extend(ast.iter_child_nodes(node))
    modules = {m for m in found if m.split(".")[0] == PACKAGE and module_file(m) is not None}
    # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
    packages = {".".join(m.split(".")[:i]) for m in modules for i in range(2, m.count(".") + 1)}
    return frozenset(modules | {p for p in packages if module_file(p) is not None})


def _in_models(name: str) -> bool:
    return name == MODELS or name.startswith(MODELS + ".")


def closure(*roots: str) -> list[Path]:
    """Every package file the ``roots`` run, with the data files beside them (see the module doc)."""
    seen: set[str] = set()
    queue = [root for root in roots if module_file(root) is not None]
    missing = [root for root in roots if module_file(root) is None]
    if missing:
        raise ValueError(f"no such module of the package: {missing}")
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        for imported in imported_modules(name):
            if _in_models(imported) and not _in_models(name) and imported not in roots:
                continue  # a model family's code counts only for the jobs that name it
            queue.append(imported)
    files = {module_file(name) for name in seen}
    folders = {path.parent for path in files}
    for folder in folders:
        for data_folder in (folder, folder / "templates"):
            files.update(p for p in data_folder.glob("*") if p.suffix in DATA_SUFFIXES and p.is_file())
    return sorted(files)


def code_version_of(*roots: str) -> str:
    """Short content hash of everything :func:`closure` finds for ``roots``."""
    digest = hashlib.sha256()
    for path in closure(*roots):
        digest.update(str(path.relative_to(PACKAGE_ROOT)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
