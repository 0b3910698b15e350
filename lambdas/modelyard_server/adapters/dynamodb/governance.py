"""Policy documents, validation reports, promotion requests and webhook deliveries in the registry table.

=================================  ================================================================
key (PK / SK)                      item
=================================  ================================================================
``REGISTRY`` / ``#POLICY``         the registry policy in force (revision-guarded)
``REGISTRY`` / ``POLICY#V#<rev>``  every earlier revision of it, kept for audit
``MODEL#<name>`` / ``#POLICY``     a model's admin override (read with the model in one Query)
``MODEL#<name>`` / ``R#<v>#<id>``  a validation report of version v
``RUN#<repo>#<run>`` / ``PROMOTE#<stage>``  what a workflow run asked to promote (TTL), for the
                                   deployment protection rule to find
``DELIVERY#<id>`` / ``#DELIVERY``  a GitHub webhook delivery already answered (TTL)
``GOVERNANCE`` / ``E#<ulid>``      the governance trail: see ``governance_trail``
=================================  ================================================================

A policy write puts its governance event in the same TransactWriteItems (a model's override also its
model event): a refused revision guard leaves neither.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError
from pynamodb.expressions.condition import Condition

from modelyard_server.adapters.dynamodb.governance_trail import governance_event_item, list_governance_events
from modelyard_server.adapters.dynamodb.items import (
    PolicyItem,
    PromotionRequestItem,
    RegistryItem,
    ReportItem,
    VersionItem,
    model_pk,
    version_sk,
)
from modelyard_server.adapters.dynamodb.pages import decode_page_token, one_page
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction, event_item, is_condition_failure
from modelyard_server.domain.clock import now
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.version_records import ValidationSummary
from modelyard_server.ports.records import AuditQuery, Page

REGISTRY_PK = "REGISTRY"
POLICY_SK = "#POLICY"
PROMOTION_REQUEST_TTL_SECONDS = 31 * 24 * 3600  # GitHub fails a job that waits for approval longer than 30 days


def _revision_guard(expected_revision: int) -> Condition:
    if expected_revision == 0:
        return RegistryItem.sk.does_not_exist()
    condition: Condition = PolicyItem.revision == expected_revision
    return condition


def _run_pk(repository: str, run_id: str) -> str:
    return f"RUN#{repository}#{run_id}"


class DynamoGovernanceStore:
    def get_registry_policy(self) -> tuple[dict[str, Any], int] | None:
        try:
            item = PolicyItem.get(REGISTRY_PK, POLICY_SK)
        except PolicyItem.DoesNotExist:
            return None
        return item.record, int(item.revision)

    def put_registry_policy(self, record: dict[str, Any], expected_revision: int, audit: EventRecord) -> int:
        revision = expected_revision + 1
        transaction = LabelledTransaction()
        transaction.put(
            "policy",
            PolicyItem(REGISTRY_PK, POLICY_SK, record=record, revision=revision),
            _revision_guard(expected_revision),
        )
        history = PolicyItem(REGISTRY_PK, f"POLICY#V#{revision:06d}", record=record, revision=revision)
        transaction.put("history", history)
        transaction.put("audit", governance_event_item(audit))
        transaction.commit()
        return revision

    def registry_policy_history(self, limit: int, token: str | None = None) -> Page[tuple[int, dict[str, Any]]]:
        """One Query per page over ``POLICY#V#`` (newest first); the token is DynamoDB's LastEvaluatedKey."""
        result = RegistryItem.query(
            REGISTRY_PK,
            RegistryItem.sk.startswith("POLICY#V#"),
            scan_index_forward=False,
            page_size=limit,
            last_evaluated_key=decode_page_token(token, REGISTRY_PK),
        )
        items, next_token = one_page(result)
        return Page([(int(i.revision), i.record) for i in items if isinstance(i, PolicyItem)], next_token)

    def put_model_policy(
        self, model: str, record: dict[str, Any], expected_revision: int, event: EventRecord, audit: EventRecord
    ) -> int:
        revision = expected_revision + 1
        transaction = LabelledTransaction()
        transaction.put(
            "policy",
            PolicyItem(model_pk(model), POLICY_SK, record=record, revision=revision),
            _revision_guard(expected_revision),
        )
        transaction.put("event", event_item(event))
        transaction.put("audit", governance_event_item(audit))
        transaction.commit()
        return revision

    def governance_events(self, query: AuditQuery, limit: int, token: str | None) -> Page[EventRecord]:
        return list_governance_events(query, limit, token)

    def save_validation(
        self, model: str, number: int, report: dict[str, Any], summary: ValidationSummary, event: EventRecord
    ) -> None:
        pk = model_pk(model)
        transaction = LabelledTransaction()
        transaction.put("report", ReportItem(pk, f"R#{number:010d}#{summary.report_id}", record=report))
        transaction.put("event", event_item(event))
        transaction.update(
            "version",
            VersionItem(pk, version_sk(number)),
            [VersionItem.validation.set(summary.model_dump(mode="json"))],
            VersionItem.status == "ready",
        )
        transaction.commit()

    def latest_report(self, model: str, number: int) -> dict[str, Any] | None:
        result = RegistryItem.query(
            model_pk(model),
            RegistryItem.sk.startswith(f"R#{number:010d}#"),
            scan_index_forward=False,
            limit=1,
            page_size=1,
        )
        for item in result:
            if isinstance(item, ReportItem):
                record: dict[str, Any] = item.record
                return record
        return None

    def save_promotion_request(self, repository: str, run_id: str, stage: str, request: dict[str, Any]) -> None:
        expires = int(now().timestamp()) + PROMOTION_REQUEST_TTL_SECONDS
        item = PromotionRequestItem(_run_pk(repository, run_id), f"PROMOTE#{stage}", record=request, expires_at=expires)
        item.save()

    def get_promotion_request(self, repository: str, run_id: str, stage: str) -> dict[str, Any] | None:
        try:
            item = PromotionRequestItem.get(_run_pk(repository, run_id), f"PROMOTE#{stage}")
        except PromotionRequestItem.DoesNotExist:
            return None
        if int(item.expires_at) < int(now().timestamp()):
            return None  # TTL deletion lags: an expired request is gone as far as we are concerned
        record: dict[str, Any] = item.record
        return record

    def delivery_seen(self, delivery_id: str) -> bool:
        try:
            item = PromotionRequestItem.get(f"DELIVERY#{delivery_id}", "#DELIVERY", consistent_read=True)
        except PromotionRequestItem.DoesNotExist:
            return False
        return int(item.expires_at) >= int(now().timestamp())  # an expired claim is gone, whatever TTL lags

    def claim_delivery(self, delivery_id: str) -> bool:
        expires = int(now().timestamp()) + PROMOTION_REQUEST_TTL_SECONDS
        item = PromotionRequestItem(f"DELIVERY#{delivery_id}", "#DELIVERY", record={}, expires_at=expires)
        try:
            item.save(
                condition=RegistryItem.pk.does_not_exist() | (PromotionRequestItem.expires_at < int(now().timestamp()))
            )
        except PutError as error:
            if is_condition_failure(error):
                return False
            raise
        return True
