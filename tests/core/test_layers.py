"""The package's imports form layers: no circle, and core/ imports only core/.

Read from the source with :mod:`ast`, type-only imports included, so that
a circle hidden behind ``TYPE_CHECKING`` counts too.
"""

from pathlib import Path

import ast
import collective.tusupload
import pytest


PACKAGE = "collective.tusupload"
ROOT = Path(collective.tusupload.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports (a name imported from a
    package that is a module of its own counts as that module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in ROOT.rglob("*.py")}
    modules = set(paths)
    return {name: imports_of(path, modules) - {name} for name, path in paths.items()}


def is_package_of(name: str, other: str) -> bool:
    return other.startswith(name + ".")


def test_no_import_circle(graph):
    # A package's __init__ importing its own modules is not a circle of layers.
    edges = {
        name: {other for other in targets if not is_package_of(name, other)}
        for name, targets in graph.items()
    }
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        seen[name] = 1
        stack.append(name)
        for other in sorted(edges[name]):
            if seen.get(other) == 1:
                circle = stack[stack.index(other) :] + [other]
                pytest.fail("import circle: " + " -> ".join(circle))
            if other not in seen:
                visit(other)
        stack.pop()
        seen[name] = 2

    for name in sorted(edges):
        if name not in seen:
            visit(name)


def test_core_imports_only_core(graph):
    core = f"{PACKAGE}.core"
    upward = {
        name: sorted(t for t in targets if not (t == core or t.startswith(core + ".")))
        for name, targets in graph.items()
        if name == core or name.startswith(core + ".")
    }
    assert {name: up for name, up in upward.items() if up} == {}
