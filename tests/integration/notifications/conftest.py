"""The `chatops` fixture: see chatops.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelyard_local.github import APP_ID, LocalGitHub
from modelyard_local.receivers import start_receiver, stop_receivers
from modelyard_server.handlers.wiring import forget_configuration
from tests.integration.conftest import Registry
from tests.integration.notifications.chatops import ADMIN, POLICY, PREFIX, SECRET, ChatOps, PipelineUnderFunctionRoles


@pytest.fixture
def chatops(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatOps]:
    github = LocalGitHub()
    slack, teams, hook = start_receiver(body=b"ok"), start_receiver(status=202, body=b""), start_receiver()
    sqs, ssm = registry.admin.client("sqs"), registry.admin.client("ssm")
    queue_url = registry.stack.notification_dlq_url
    for name, value in (("slack", slack.url), ("teams", teams.url), ("hook", SECRET)):
        ssm.put_parameter(Name=PREFIX + name, Value=value, Type="SecureString")
    env = {
        "MODELYARD_ADMIN_REPOSITORIES": ADMIN,
        "MODELYARD_NOTIFY_DLQ_URL": queue_url,
        "MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP": "true",
        "MODELYARD_NOTIFY_MAX_ATTEMPTS": "3",
        "MODELYARD_NOTIFY_BACKOFF_SECONDS": "0.01",
        "MODELYARD_NOTIFY_MAX_BACKOFF_SECONDS": "0.5",
        "MODELYARD_NOTIFY_TIMEOUT_SECONDS": "2",
        "MODELYARD_GITHUB_APP_ID": APP_ID,
        "MODELYARD_GITHUB_APP_PRIVATE_KEY": github.private_key_pem,
        "MODELYARD_GITHUB_API_URL": github.url,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    forget_configuration()
    printed: list[str] = []
    pipeline = PipelineUnderFunctionRoles(registry, printed.append)
    ops = ChatOps(registry, slack, teams, hook, ssm, sqs, queue_url, pipeline, printed, github)
    answer = registry.call("PUT", "/v1/policy", body={"document": POLICY}, token=ops.admin())
    assert answer.status == 200, answer
    yield ops
    stop_receivers(slack, teams, hook)
    github.stop()
