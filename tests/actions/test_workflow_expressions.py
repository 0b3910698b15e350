"""The test harness's expression evaluator: GitHub's semantics for what it knows, an error for the rest."""

from __future__ import annotations

import pytest

from tests.support.expressions import ExpressionError, Outputs, condition, render

CONTEXTS = {
    "inputs": {"metrics-file": "m.json", "empty": "", "model": "Fraud"},
    "steps": {"validate": {"outputs": Outputs({"report-id": "r1"})}},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "${{ inputs.metrics-file != '' && format('.model-release/{0}', inputs.metrics-file) || '' }}",
            ".model-release/m.json",
        ),
        ("${{ inputs.empty != '' && format('.model-release/{0}', inputs.empty) || '' }}", ""),
        ("modelyard-${{ inputs.model }}-staging", "modelyard-Fraud-staging"),
        ("${{ inputs.empty || inputs.model }}", "Fraud"),
        ("${{ steps.validate.outputs.report-id }}/${{ steps.validate.outputs.unset }}", "r1/"),
        ("${{ inputs.model == 'fraud' }} ${{ !inputs.empty }} ${{ format('<{0}>', 'x') }}", "true true <x>"),
    ],
)
def test_github_semantics(template: str, expected: str) -> None:
    assert render(template, CONTEXTS) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "inputs.missing",
        "needs.register.outputs.version",
        "github.sha",
        "success()",
        "contains(inputs.model, 'F')",
        "inputs.model == 1",
        "inputs['model']",
        "inputs.model ==",
        "steps.nothing.outputs.x",
    ],
)
def test_anything_else_is_refused(expression: str) -> None:
    with pytest.raises(ExpressionError):
        render("${{ " + expression + " }}", CONTEXTS)


def test_conditions_with_or_without_braces() -> None:
    assert condition("inputs.metrics-file != ''", CONTEXTS)
    assert not condition("${{ inputs.empty != '' }}", CONTEXTS)
