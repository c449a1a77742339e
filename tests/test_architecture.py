"""The package layout of issue 12: imports point one way, down, and there is no cycle.

The graph is computed from the source with ``ast``: every ``import`` and ``from … import`` of an
``ogi_xlsx`` module, at the top of a module or deferred inside a function, counts. Imports under
``if TYPE_CHECKING:`` are left out: they never run (they only name types for the annotations).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ogi_xlsx"

# Bottom to top: a module may import from its own layer's package and from the layers below.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"formats", "util"}),
    frozenset({"model"}),
    frozenset({"checks"}),
    frozenset({"reading"}),
    frozenset({"importer"}),  # published reports (.pdf/.docx/.html/.txt) read into return documents
    frozenset({"pipeline"}),
    frozenset({"writing", "publish"}),  # render the pipeline's results
    frozenset({"api"}),
    frozenset({"demo"}),
    frozenset({"portal"}),
    frozenset({"cli", "__main__"}),
)


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(name: str, is_package: bool, tree: ast.AST, modules: dict[str, Path]) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # a submodule, when it is one
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    """Module -> the ``ogi_xlsx`` modules it imports (deferred imports included)."""
    modules = _modules()
    return {
        name: _imported(name, path.name == "__init__.py", ast.parse(path.read_text(encoding="utf-8")), modules)
        for name, path in modules.items()
    }


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None  # the package root (``__version__`` only)
    for index, layer in enumerate(LAYERS):
        if parts[1] in layer:
            return index
    raise AssertionError(f"{module}: its package is in no layer of LAYERS; add it there")


def test_every_package_has_a_layer():
    for module in import_graph():
        _layer(module)


def test_no_upward_import_between_packages():
    upward = [
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if (low := _layer(module)) is not None and (high := _layer(target)) is not None and high > low
    ]
    assert not upward, "imports pointing up the layers:\n" + "\n".join(sorted(upward))


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle():
    cycle = _cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_the_checks_find_a_cycle_and_an_upward_import():
    """The detectors themselves: a made-up graph with a cycle, and a layer order that is broken."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    assert _layer("ogi_xlsx.model.spec") < _layer("ogi_xlsx.checks.rules") < _layer("ogi_xlsx.cli.main")


LONG_FUNCTION = 80  # lines; a longer function says why in a "# long: …" comment right above it


def _long_functions_without_reason() -> list[str]:
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if node.end_lineno - node.lineno + 1 <= LONG_FUNCTION:
                continue
            start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1  # 0-based line of the def
            above = []
            while start > 0 and lines[start - 1].lstrip().startswith("#"):
                start -= 1
                above.append(lines[start])
            if not any(line.lstrip().startswith("# long:") for line in above):
                missing.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}")
    return missing


def test_long_functions_say_why():
    missing = _long_functions_without_reason()
    assert not missing, f"functions over {LONG_FUNCTION} lines without a '# long:' reason:\n" + "\n".join(missing)
