"""The namespace layer sits between the registry and a model's override, and changes nothing without one."""

from __future__ import annotations

import pytest

from modelyard_server.domain.policy import PolicyDocument, PolicyLoosened, StageRule, effective_policy

REGISTRY = PolicyDocument(stages={"staging": StageRule(min_reviews=1)})
NAMESPACE = PolicyDocument.model_validate(
    {"stages": {"staging": {"min_reviews": 2}}, "gates": {"thresholds": [{"metric": "auc", "min": 0.9}]}}
)


def test_without_a_namespace_layer_the_digest_is_what_it_was() -> None:
    before = effective_policy(PolicyDocument(), REGISTRY)
    assert before.digest == effective_policy(PolicyDocument(), REGISTRY, namespace=None).digest
    assert before.layers == ["builtin", "registry"]
    assert effective_policy(PolicyDocument(), REGISTRY, namespace=("m", NAMESPACE)).digest != before.digest


def test_the_namespace_replaces_the_registry_s_stage_rules_and_the_model_override_replaces_it() -> None:
    layered = effective_policy(PolicyDocument(), REGISTRY, namespace=("marketing", NAMESPACE), model="marketing/x")
    assert layered.min_reviews("staging") == 2
    assert [t.metric for gates in layered.gates for t in gates.thresholds] == ["auc"]
    override = PolicyDocument(stages={"staging": StageRule(min_reviews=0)})
    overridden = effective_policy(
        PolicyDocument(), REGISTRY, override, namespace=("marketing", NAMESPACE), model="marketing/x"
    )
    assert overridden.min_reviews("staging") == 0
    assert overridden.layers == ["builtin", "registry", "namespace:marketing", "model:marketing/x"]


def test_a_repository_may_not_loosen_the_namespace_layer() -> None:
    looser = PolicyDocument.model_validate({"gates": {"thresholds": [{"metric": "auc", "min": 0.5}]}})
    with pytest.raises(PolicyLoosened):
        effective_policy(PolicyDocument(), REGISTRY, None, looser, namespace=("marketing", NAMESPACE))
    fewer_reviews = PolicyDocument(stages={"staging": StageRule(min_reviews=1)})
    with pytest.raises(PolicyLoosened):
        effective_policy(PolicyDocument(), REGISTRY, None, fewer_reviews, namespace=("marketing", NAMESPACE))
