"""The template's Conditions, decided as CloudFormation would for given parameter values.

`Fn::If` takes the branch its condition picks and `!Ref AWS::NoValue` disappears, so what is left is
the template one stack with those parameters gets (by default: every parameter at its Default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NO_VALUE = {"Ref": "AWS::NoValue"}


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each parameter's value: its Default unless `overrides` names it."""
    values = {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
    unknown = set(overrides or {}) - set(values)
    if unknown:
        raise KeyError(f"the template has no parameters {sorted(unknown)}")
    return {**values, **(overrides or {})}


def apply_conditions(value: Any, template: Mapping[str, Any], parameters: Mapping[str, str]) -> Any:
    """`value` with every Fn::If decided and every AWS::NoValue removed."""
    conditions = template.get("Conditions", {})

    def holds(name: str) -> bool:
        return bool(_evaluate(conditions[name], conditions, parameters))

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [walked for walked in (walk(element) for element in item) if walked != NO_VALUE]
        if not isinstance(item, dict):
            return item
        if set(item) == {"Fn::If"}:
            name, when_true, when_false = item["Fn::If"]
            return walk(when_true if holds(name) else when_false)
        return {
            key: walked for key, walked in ((key, walk(element)) for key, element in item.items()) if walked != NO_VALUE
        }

    return walk(value)


def _evaluate(expression: Any, conditions: Mapping[str, Any], parameters: Mapping[str, str]) -> Any:
    if not isinstance(expression, dict):
        return expression
    [(function, argument)] = expression.items()
    if function == "Ref":
        return parameters[argument]
    if function == "Condition":
        return _evaluate(conditions[argument], conditions, parameters)
    values = [_evaluate(part, conditions, parameters) for part in argument]
    if function == "Fn::Equals":
        return values[0] == values[1]
    if function == "Fn::Not":
        return not values[0]
    if function == "Fn::And":
        return all(values)
    if function == "Fn::Or":
        return any(values)
    raise ValueError(f"the test stack cannot decide {function}: teach tests/integration/template_conditions.py")
