"""The size rule of the code base: no module over 400 lines and no function over 60 (from `def` to its last line,
docstring included), in the Python of cases, documents, workflows, config and benchmarks; migrations excepted."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cases", "documents", "workflows", "config", "benchmarks")
MODULE_LINES_MAX = 400
FUNCTION_LINES_MAX = 60


def size_problems(source: str, *, name: str) -> list[str]:
    """Every module and function of `source` over its limit, one line each, named, in the order of the file."""
    problems = []
    lines = len(source.splitlines())
    if lines > MODULE_LINES_MAX:
        problems.append(f"{name}: module of {lines} lines (at most {MODULE_LINES_MAX})")
    functions = [
        node for node in ast.walk(ast.parse(source, filename=name)) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    for node in sorted(functions, key=lambda node: node.lineno):
        length = node.end_lineno - node.lineno + 1
        if length > FUNCTION_LINES_MAX:
            problems.append(f"{name}:{node.lineno}: function {node.name} of {length} lines (at most {FUNCTION_LINES_MAX})")
    return problems


def checked_modules() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    ]


def test_no_module_or_function_is_over_its_limit():
    problems = [
        problem
        for path in checked_modules()
        for problem in size_problems(path.read_text(encoding="utf-8"), name=str(path.relative_to(ROOT)))
    ]
    assert problems == []


def test_the_check_walks_every_package_and_skips_migrations():
    names = {str(path.relative_to(ROOT)) for path in checked_modules()}
    for name in (
        "cases/services/payments/batches.py",
        "documents/services.py",
        "workflows/portal/views/filing.py",
        "config/settings.py",
        "benchmarks/documents.py",
    ):
        assert name in names
    assert not [name for name in names if "/migrations/" in name]
    assert (ROOT / "cases/migrations/0014_programme_commits_budget_on_approval.py").exists()


def _function(name: str, lines: int, *, indent: str = "", prefix: str = "def") -> str:
    """A function of exactly `lines` lines: the def, a docstring, and pass statements."""
    body = [f'{indent}    """Docstring."""'] + [f"{indent}    pass"] * (lines - 2)
    return "\n".join([f"{indent}{prefix} {name}():", *body]) + "\n"


@pytest.mark.parametrize("lines", [400, 401])
def test_a_module_over_400_lines_is_named(lines):
    source = "x = 1\n" * lines
    expected = [] if lines == 400 else ["fake.py: module of 401 lines (at most 400)"]
    assert size_problems(source, name="fake.py") == expected


@pytest.mark.parametrize("lines", [60, 61])
def test_a_function_over_60_lines_is_named(lines):
    source = "import os\n\n\n" + _function("long_one", lines) + "\n\n" + _function("short_one", 3)
    expected = [] if lines == 60 else ["fake.py:4: function long_one of 61 lines (at most 60)"]
    assert size_problems(source, name="fake.py") == expected


def test_methods_nested_and_async_functions_are_checked_too():
    source = (
        "class Page:\n"
        + _function("get", 61, indent="    ")
        + _function("later", 62, prefix="async def")
        + "def outer():\n"
        + _function("inner", 61, indent="    ")
    )
    assert size_problems(source, name="fake.py") == [
        "fake.py:2: function get of 61 lines (at most 60)",
        "fake.py:63: function later of 62 lines (at most 60)",
        "fake.py:125: function outer of 62 lines (at most 60)",
        "fake.py:126: function inner of 61 lines (at most 60)",
    ]


def test_every_problem_of_a_file_is_listed():
    source = _function("first", 70) + _function("second", 61) + "x = 1\n" * 300
    assert size_problems(source, name="big.py") == [
        "big.py: module of 431 lines (at most 400)",
        "big.py:1: function first of 70 lines (at most 60)",
        "big.py:71: function second of 61 lines (at most 60)",
    ]
