"""Code versions from what a job imports: no hand-kept list of files per rule.

A job's code version hashes every module of the package its entry modules import, directly or
through others, found by reading the ``import`` statements (at any depth, since jobs import some
modules inside functions to stay fast to start; ``if TYPE_CHECKING:`` blocks excepted), with the
data files beside them (templates, paper values, gap notes). It is a Snakemake param, so editing a
module reruns exactly the jobs that import it.

A package reached only as the parent of an imported module counts by what importing it runs: its
``__init__``'s top-level imports, not those inside its functions (a study's ``__init__`` imports its
page only when the report calls it, so the study's training jobs do not cover its page).

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
# The registries: tables from names to import strings (methods to their model modules, jobs to their
# functions). A job's code version names the modules its entry resolves to as roots, so an entry
# that changes what a job runs changes its version through them; adding an entry (a new method, a
# new study's job) reruns nothing.
REGISTRIES = ("crossmodal.methods", "crossmodal.jobs")
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


def _is_function(node: ast.AST) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))


@cache
def imported_modules(name: str, top_level_only: bool = False) -> frozenset[str]:
    """The package modules ``name`` imports anywhere in its file (``from x import y`` counts ``x``,
    and ``x.y`` when that is a module), with the packages each passes through; with
    ``top_level_only``, only the imports that importing it runs (none inside a function)."""
    modules, packages = _imports(name, top_level_only)
    return modules | packages


@cache
def _imports(name: str, top_level_only: bool) -> tuple[frozenset[str], frozenset[str]]:
    """(the package modules ``name`` imports, the packages they pass through that it does not import)."""
    path = module_file(name)
    if path is None:
        return frozenset(), frozenset()
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    stack: list[ast.AST] = [ast.parse(path.read_text(), str(path))]
    while stack:
        node = stack.pop()
        if _is_type_checking_block(node) or (top_level_only and _is_function(node)):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # `from a.b import c` imports module a.b.c when there is one (a.b then only as its
            # parent package), else the name c of module a.b.
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if module_file(submodule) is not None else base)
        stack.extend(ast.iter_child_nodes(node))
    modules = {m for m in found if m.split(".")[0] == PACKAGE and module_file(m) is not None}
    # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
    packages = {".".join(m.split(".")[:i]) for m in modules for i in range(2, m.count(".") + 1)}
    return frozenset(modules), frozenset(p for p in packages - modules if module_file(p) is not None)


def _in_models(name: str) -> bool:
    return name == MODELS or name.startswith(MODELS + ".")


def closure(*roots: str) -> list[Path]:
    """Every package file the ``roots`` run, with the data files beside them (see the module doc)."""
    missing = [root for root in roots if module_file(root) is None]
    if missing:
        raise ValueError(f"no such module of the package: {missing}")
    # name -> whether it was reached only as a parent package (its top level counts, not its functions)
    seen: dict[str, bool] = {}
    queue = [(root, False) for root in roots]
    while queue:
        name, parent_only = queue.pop()
        if name in seen and (seen[name] is False or parent_only):
            continue
        seen[name] = parent_only
        modules, packages = _imports(name, parent_only)
        for imported, as_parent in [*((m, False) for m in modules), *((p, True) for p in packages)]:
            if _in_models(imported) and not _in_models(name) and imported not in roots:
                continue  # a model family's code counts only for the jobs that name it
            queue.append((imported, as_parent))
    files = {module_file(name) for name in seen if name not in REGISTRIES}
    for folder in {path.parent for path in files}:
        files |= _data_files_read(folder, [path for path in files if path.parent == folder])
    return sorted(files)


@cache
def _string_constants(path: Path) -> frozenset[str]:
    """The string literals of a module, its docstrings left out."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return frozenset(node.value for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings)


def _data_files_read(folder: Path, modules: list[Path]) -> set[Path]:
    """The data files beside ``modules`` that they name in a string: a file of the folder by its
    name, the ``templates/`` subfolder whole (templates include one another by name)."""
    names = frozenset().union(*(_string_constants(path) for path in modules))
    data = {p for p in folder.glob("*") if p.suffix in DATA_SUFFIXES and p.is_file()
            and any(p.name in text for text in names)}
    if "templates" in names:
        data |= {p for p in (folder / "templates").glob("*") if p.suffix in DATA_SUFFIXES and p.is_file()}
    return data


def code_version_of(*roots: str) -> str:
    """Short content hash of everything :func:`closure` finds for ``roots``."""
    digest = hashlib.sha256()
    for path in closure(*roots):
        digest.update(str(path.relative_to(PACKAGE_ROOT)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
