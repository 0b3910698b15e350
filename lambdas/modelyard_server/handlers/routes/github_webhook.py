"""POST /v1/github/webhook: GitHub App webhooks, authenticated by their HMAC signature (not a bearer token)."""

from __future__ import annotations

import base64
import json
import re

from aws_lambda_powertools.event_handler.api_gateway import Router

from modelyard_server.adapters.github import signature_matches
from modelyard_server.domain.errors import Unauthenticated, WebhookRefused
from modelyard_server.domain.model_base import RegistryModel
from modelyard_server.settings import get_settings

router = Router()


class WebhookAnswer(RegistryModel):
    handled: bool
    state: str | None = None
    comment: str | None = None


def _webhook_secret() -> str:
    settings = get_settings()
    if settings.github_webhook_secret:
        return settings.github_webhook_secret
    if settings.github_webhook_secret_arn:
        # Imported here: Secrets Manager's client loads boto3, which no cold start of the API or the gate needs
        # before a webhook arrives (and the API function never receives one).
        from modelyard_server.adapters.secrets import secret_string

        return secret_string(settings.github_webhook_secret_arn)
    raise WebhookRefused("no webhook secret is configured (MODELYARD_GITHUB_WEBHOOK_SECRET)")


@router.post(
    "/v1/github/webhook",
    summary="GitHub App webhook (deployment protection rules)",
    tags=["github"],
    include_in_schema=True,
)
def github_webhook() -> WebhookAnswer:
    event = router.current_event
    raw = event.body or ""
    body = base64.b64decode(raw) if event.is_base64_encoded else raw.encode()
    # Verify first: nothing about an unsigned payload is read, logged or acted on.
    if not signature_matches(_webhook_secret(), body, event.headers.get("x-hub-signature-256")):
        raise Unauthenticated("the X-Hub-Signature-256 header is missing or does not match the body")
    kind = event.headers.get("x-github-event", "")
    if kind == "ping":
        return WebhookAnswer(handled=True)
    if kind != "deployment_protection_rule":
        return WebhookAnswer(handled=False)
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise WebhookRefused("the payload is not JSON") from error
    if not isinstance(payload, dict) or payload.get("action") != "requested":
        return WebhookAnswer(handled=False)
    delivery = event.headers.get("x-github-delivery") or ""
    if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", delivery):
        raise WebhookRefused("the X-GitHub-Delivery header is missing or malformed")
    # Imported here: the API function shares this router but never receives a webhook (the template routes
    # them to the gate function), so its cold start does not load the protection rule, policies and GitHub App.
    from modelyard_server.domain.protection import ProtectionRequest, answer

    verdict = answer(ProtectionRequest.from_payload(payload, delivery))
    return WebhookAnswer(handled=True, state=verdict.state, comment=verdict.comment)
