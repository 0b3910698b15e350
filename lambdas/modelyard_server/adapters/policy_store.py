"""Policy documents, validation reports and promotion requests in the registry table.

=================================  ================================================================
key (PK / SK)                      item
=================================  ================================================================
``REGISTRY`` / ``#POLICY``         the registry policy in force (revision-guarded)
``REGISTRY`` / ``POLICY#V#<rev>``  every earlier revision of it, kept for audit
``MODEL#<name>`` / ``#POLICY``     a model's admin override (read with the model in one Query)
``MODEL#<name>`` / ``R#<v>#<id>``  a validation report of version v
``RUN#<repo>#<run>`` / ``PROMOTE#<stage>``  what a workflow run asked to promote (TTL), for the
                                   deployment protection rule to find
=================================  ================================================================
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError

from modelyard_server.adapters.table import (
    PolicyItem,
    PromotionRequestItem,
    RegistryItem,
    ReportItem,
    VersionItem,
    _event_item,
    _LabelledTransaction,
    model_pk,
    now,
    version_sk,
)
from modelyard_server.domain.schemas import EventRecord, ValidationSummary

REGISTRY_PK = "REGISTRY"
POLICY_SK = "#POLICY"
PROMOTION_REQUEST_TTL_SECONDS = 31 * 24 * 3600  # GitHub fails a job that waits for approval longer than 30 days


def _revision_guard(expected_revision: int) -> Any:
    if expected_revision == 0:
        return RegistryItem.sk.does_not_exist()
    return PolicyItem.revision == expected_revision


def get_registry_policy() -> tuple[dict[str, Any], int] | None:
    """The registry policy in force (its stored record) and its revision."""
    try:
        item = PolicyItem.get(REGISTRY_PK, POLICY_SK)
    except PolicyItem.DoesNotExist:
        return None
    return item.record, int(item.revision)


def put_registry_policy(record: dict[str, Any], expected_revision: int) -> int:
    """Store revision expected+1 (and keep it in the history) iff the current one is still `expected`."""
    revision = expected_revision + 1
    transaction = _LabelledTransaction()
    transaction.put(
        "policy",
        PolicyItem(REGISTRY_PK, POLICY_SK, record=record, revision=revision),
        _revision_guard(expected_revision),
    )
    transaction.put("history", PolicyItem(REGISTRY_PK, f"POLICY#V#{revision:06d}", record=record, revision=revision))
    transaction.commit()
    return revision


def registry_policy_history(limit: int) -> list[dict[str, Any]]:
    result = RegistryItem.query(
        REGISTRY_PK,
        RegistryItem.sk.startswith("POLICY#V#"),
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
    )
    return [item.record for item in result if isinstance(item, PolicyItem)]


def put_model_policy(model: str, record: dict[str, Any], expected_revision: int, event: EventRecord) -> int:
    revision = expected_revision + 1
    transaction = _LabelledTransaction()
    transaction.put(
        "policy",
        PolicyItem(model_pk(model), POLICY_SK, record=record, revision=revision),
        _revision_guard(expected_revision),
    )
    transaction.put("event", _event_item(event))
    transaction.commit()
    return revision


def save_validation(
    model: str, number: int, report: dict[str, Any], summary: ValidationSummary, event: EventRecord
) -> None:
    """The report, the version's latest-validation summary and the event, together; the version must be ready."""
    pk = model_pk(model)
    transaction = _LabelledTransaction()
    transaction.put("report", ReportItem(pk, f"R#{number:010d}#{summary.report_id}", record=report))
    transaction.put("event", _event_item(event))
    transaction.update(
        "version",
        VersionItem(pk, version_sk(number)),
        [VersionItem.validation.set(summary.model_dump(mode="json"))],
        VersionItem.status == "ready",
    )
    transaction.commit()


def latest_report(model: str, number: int) -> dict[str, Any] | None:
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


def record_event(event: EventRecord) -> None:
    """An event with no state change of its own (a refused promotion, for the audit trail)."""
    _event_item(event).save()


def _run_pk(repository: str, run_id: str) -> str:
    return f"RUN#{repository}#{run_id}"


def save_promotion_request(repository: str, run_id: str, stage: str, request: dict[str, Any]) -> None:
    expires = int(now().timestamp()) + PROMOTION_REQUEST_TTL_SECONDS
    PromotionRequestItem(_run_pk(repository, run_id), f"PROMOTE#{stage}", record=request, expires_at=expires).save()


def get_promotion_request(repository: str, run_id: str, stage: str) -> dict[str, Any] | None:
    try:
        item = PromotionRequestItem.get(_run_pk(repository, run_id), f"PROMOTE#{stage}")
    except PromotionRequestItem.DoesNotExist:
        return None
    if int(item.expires_at) < int(now().timestamp()):
        return None  # TTL deletion lags: an expired request is gone as far as we are concerned
    record: dict[str, Any] = item.record
    return record


def delivery_seen(delivery_id: str) -> bool:
    try:
        PromotionRequestItem.get(f"DELIVERY#{delivery_id}", "#DELIVERY", consistent_read=True)
    except PromotionRequestItem.DoesNotExist:
        return False
    return True


def claim_delivery(delivery_id: str) -> bool:
    """True the first time a webhook delivery id is seen; False for a replay (kept 31 days)."""
    expires = int(now().timestamp()) + PROMOTION_REQUEST_TTL_SECONDS
    item = PromotionRequestItem(f"DELIVERY#{delivery_id}", "#DELIVERY", record={}, expires_at=expires)
    try:
        item.save(condition=RegistryItem.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
