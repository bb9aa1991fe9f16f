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


def _acyclic_contract() -> dict:
    """The ``acyclic_siblings`` contract of ``pyproject.toml`` (CI runs it with ``lint-imports``)."""
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["type"] == "acyclic_siblings")


def _lint_toy_package(tmp_path: Path, modules: dict[str, str]):
    """``lint-imports`` with our acyclic contract on a package ``toy`` of ``modules``."""
    import subprocess
    import sys

    package = tmp_path / "toy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, text in modules.items():
        (package / f"{name}.py").write_text(text)
    contract = {**_acyclic_contract(), "ancestors": ["toy"]}
    lines = ["[importlinter]", "root_package = toy", "", "[importlinter:contract:acyclic]"]
    lines += [f"{k} = {', '.join(v) if isinstance(v, list) else v}" for k, v in contract.items()]
    (tmp_path / ".importlinter").write_text("\n".join(lines) + "\n")
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": str(lint.parent)},
        capture_output=True,
        text=True,
    )


def test_the_import_contract_covers_every_package_of_insar_hf():
    assert _acyclic_contract()["ancestors"] == ["insar_hf"]


def test_the_import_contract_refuses_a_cycle_through_a_type_checking_import(tmp_path):
    checks = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from toy.config import C\n"
    result = _lint_toy_package(
        tmp_path, {"config": "from toy.checks import check\n", "checks": checks}
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "No cycles are allowed in toy." in result.stdout


def test_the_import_contract_accepts_modules_that_import_one_way(tmp_path):
    result = _lint_toy_package(tmp_path, {"config": "from toy.checks import check\n", "checks": ""})
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_of_insar_hf_is_part_of_an_import_cycle():
    import subprocess
    import sys

    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=PACKAGE.parent, capture_output=True, text=True
    )
    assert "No import cycle among the modules of any package KEPT" in result.stdout, result.stdout
