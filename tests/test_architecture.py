"""The house's shape, checked: imports point one way (ui → figures/explain → core), every
limit is defined once, and every module says in its first line what it is."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "backprop_viz"

# A folder may import from the folders on its right (and from itself), never from its left.
ALLOWED = {
    "core": {"core"},
    "data": {"data", "core"},
    "explain": {"explain", "data", "core"},
    "figures": {"figures", "explain", "trainer", "core"},
    "trainer": {"trainer", "explain", "data", "core"},
    "ui": {"ui", "figures", "explain", "trainer", "data", "core"},
}
TOP = {"errors", "limits"}  # shared by every layer


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else path.stem


def _imported(path: Path) -> set[str]:
    """The package's first-level names this module imports (folders and top modules)."""
    tree = ast.parse(path.read_text())
    here = path.relative_to(PACKAGE).parts[:-1]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's folder
                base = list(here[: len(here) - node.level + 1])
                target = base + (node.module.split(".") if node.module else [])
                if not target:  # `from .. import x`: x is a first-level name
                    names.update(alias.name for alias in node.names)
                    continue
                names.add(target[0])
            elif node.module and node.module.startswith("backprop_viz."):
                names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("backprop_viz."):
                    names.add(alias.name.split(".")[1])
    return names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path):
    layer = _layer(path)
    if layer not in ALLOWED:
        return  # the package's entry points (cli, __init__, __main__) may use anything
    wrong = _imported(path) - ALLOWED[layer] - TOP
    assert not wrong, f"{path.name} ({layer}) imports {sorted(wrong)}"


def test_the_core_is_numpy_only():
    for path in (PACKAGE / "core").rglob("*.py"):
        text = path.read_text()
        for library in ("streamlit", "pandas", "plotly"):
            assert f"import {library}" not in text and f"from {library}" not in text, path


def test_every_limit_is_defined_once_in_the_limits_module():
    for path in _modules():
        if path.name == "limits.py":
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id.startswith(("MAX_", "MIN_")):
                    pytest.fail(
                        f"{path.relative_to(PACKAGE)} defines {t.id}: it belongs in limits.py"
                    )
    from backprop_viz import limits

    values = [n for n in dir(limits) if n.startswith(("MAX_", "MIN_"))]
    assert len(values) == len(set(values)) >= 20


def test_every_module_says_what_it_is():
    for path in _modules():
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and doc.strip(), f"{path.relative_to(PACKAGE)} has no docstring"
