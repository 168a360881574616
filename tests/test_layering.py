"""The data flows page → presenter → figures → storage, never back up.

Pages (views/), presenters (ui/) and the outputs (reporting/) print judged figures: none of
them may compute "expected by now" or a status itself, so none imports or calls the rule's
building blocks of ``figures.status``. And the data layer never imports what draws it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRINTERS = ("ui", "views", "reporting")
DATA_LAYER = ("figures", "storage")
RULE_PARTS = {
    "year_elapsed",
    "census_plan_rate",
    "volunteer_target_share",
    "fiscal_time_progress",
    "status_against",
    "statuses_against",
}


def modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def rule_parts_used(tree: ast.AST) -> set[str]:
    """Names of the rule's parts imported, called or referred to anywhere in ``tree``."""
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            used |= {alias.name for alias in node.names} & RULE_PARTS
        elif isinstance(node, ast.Name) and node.id in RULE_PARTS:
            used.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in RULE_PARTS:
            used.add(node.attr)
    return used


def imported_packages(tree: ast.AST) -> set[str]:
    """The top-level packages ``tree`` imports (``from ui import x`` and ``import ui.x``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
    return found


@pytest.mark.parametrize("path", modules(*PRINTERS), ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_presenters_and_outputs_never_judge_on_their_own(path):
    """No module under ui/, views/ or reporting/ computes an expectation or a status."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert rule_parts_used(tree) == set(), "use figures.judged instead"


@pytest.mark.parametrize("path", modules(*DATA_LAYER), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_data_layer_never_imports_what_draws_it(path):
    """figures/ and storage/ never import ui/, views/ or reporting/."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert imported_packages(tree) & set(PRINTERS) == set()


def test_the_checks_see_a_violation():
    """The checks are not vacuous: they find a rule part and an upward import."""
    tree = ast.parse("from figures.status import year_elapsed\nimport ui.format\nstatus_against(1)")
    assert rule_parts_used(tree) == {"year_elapsed", "status_against"}
    assert imported_packages(tree) == {"figures", "ui"}
