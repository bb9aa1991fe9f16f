"""The package's own rules of layout (docs/ARCHITECTURE.md), the ones no linter checks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "insar_hf"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "metrics" not in p.relative_to(PACKAGE).parts)


def _private_imports(path: Path) -> list[str]:
    """``module.name`` for every ``from insar_hf... import _name`` in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("insar_hf"):
            found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    return [name for name in found if not name.endswith(".__version__")]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_name_is_imported_from_another_module(path):
    assert _private_imports(path) == []


def test_the_scan_finds_a_private_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from insar_hf.dataset.rows import _to_image_pixels\n")
    assert _private_imports(bad) == ["insar_hf.dataset.rows._to_image_pixels"]


MAX_LINES = 420
"""About 400 lines: a module longer than this holds more than one idea."""

LONGER_BY_DESIGN = {
    # Okada (1985) in one place: the general and the vertical-fault forms of the Chinnery sums
    # and their blend near 90 deg share their terms; issue 10 left physics/ unchanged.
    "physics/okada.py",
}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_stays_under_about_400_lines(path):
    name = path.relative_to(PACKAGE).as_posix()
    if name not in LONGER_BY_DESIGN:
        assert len(path.read_text().splitlines()) <= MAX_LINES
