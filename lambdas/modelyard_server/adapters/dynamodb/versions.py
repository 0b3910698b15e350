"""Versions in the registry table: numbered by a conditional counter, sealed, then only their lifecycle moves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from modelyard_server.adapters.dynamodb.items import (
    MODEL_SK,
    IdempotencyItem,
    ModelItem,
    PointerItem,
    RegistryItem,
    SemverItem,
    VersionItem,
    json_record,
    model_pk,
    pointer_sk,
    version_sk,
)
from modelyard_server.adapters.dynamodb.pages import decode_page_token, one_page
from modelyard_server.adapters.dynamodb.pointers import stored_pointer
from modelyard_server.adapters.dynamodb.search_keys import search_key_items
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction, event_item, is_condition_failure
from modelyard_server.domain.clock import now
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.pointer_records import PointerRecord
from modelyard_server.domain.version_records import ABANDON_GRACE, VersionRecord
from modelyard_server.ports.records import ConditionFailed, IdempotencyRecord, Page, Verdict, VerifiedBlob

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
LIFECYCLE_FIELDS = ("status_reason", "ready_at", "validation", "blob_version", "upload_expires_at")  # own attributes


def version_record(item: VersionItem) -> VersionRecord:
    lifecycle = {
        "status": item.status,
        "status_reason": item.status_reason,
        "ready_at": item.ready_at,
        "validation": item.validation,
        "stages_reached": sorted(item.stages_reached or ()),
        "blob_version": item.blob_version,
        "pointer_moves": int(item.pointer_moves or 0),
        "upload_expires_at": (
            datetime.fromtimestamp(int(item.upload_open_until), UTC)
            if item.upload_open_until is not None and item.status == "pending_upload"
            else None
        ),
    }
    return VersionRecord.model_validate({**item.record, **lifecycle})


def upload_open() -> Condition:
    """A pending version whose upload is not abandoned: its window closed less than ABANDON_GRACE ago.

    The storage side of the rule `VersionRecord` applies when it reads a version.
    """
    cutoff = int((now() - ABANDON_GRACE).timestamp())
    condition: Condition = (VersionItem.status == "pending_upload") & (
        VersionItem.upload_open_until.does_not_exist() | (VersionItem.upload_open_until >= cutoff)
    )
    return condition


def status_condition(status: str) -> Condition:
    """Stored status, except that a pending upload past its window is abandoned."""
    condition: Condition
    if status == "abandoned":
        condition = (VersionItem.status == "pending_upload") & ~upload_open()
    elif status == "pending_upload":
        condition = upload_open()
    else:
        condition = VersionItem.status == status
    return condition


class DynamoVersionStore:
    def get_version(self, name: str, number: int, *, consistent: bool = False) -> VersionRecord | None:
        try:
            item = VersionItem.get(model_pk(name), version_sk(number), consistent_read=consistent)
        except VersionItem.DoesNotExist:
            return None
        return version_record(item)

    def get_semver_claim(self, name: str, semver: str) -> int | None:
        try:
            return int(SemverItem.get(model_pk(name), f"S#{semver}").version)
        except SemverItem.DoesNotExist:
            return None

    def list_versions(
        self, name: str, limit: int, token: str | None, status: str | None, tag: tuple[str, str] | None
    ) -> Page[VersionRecord]:
        condition: Condition | None = None
        if status is not None:
            condition = status_condition(status)
        if tag is not None:
            tag_condition = VersionItem.tags[tag[0]] == tag[1]
            condition = tag_condition if condition is None else condition & tag_condition
        result = RegistryItem.query(
            model_pk(name),
            RegistryItem.sk.startswith("V#"),
            filter_condition=condition,
            scan_index_forward=False,
            page_size=limit,
            last_evaluated_key=decode_page_token(token, model_pk(name)),
        )
        items, next_token = one_page(result)
        return Page([version_record(item) for item in items if isinstance(item, VersionItem)], next_token)

    def verified_blob(self, sha256: str) -> VerifiedBlob | None:
        """One Query on GSI2, which holds ready versions only."""
        for item in RegistryItem.digest_index.query(f"DIGEST#{sha256}", limit=1):
            if isinstance(item, VersionItem):
                return VerifiedBlob(item.blob_version)
        return None

    def get_idempotency_record(self, model: str, key: str) -> IdempotencyRecord | None:
        try:
            item = IdempotencyItem.get(model_pk(model), f"I#{key}", consistent_read=True)
        except IdempotencyItem.DoesNotExist:
            return None
        if int(item.expires_at) < int(now().timestamp()):
            return None  # expired; TTL deletion lags by up to a few days
        return IdempotencyRecord(item.request_hash, int(item.version))

    def insert_version_claiming_number(
        self,
        version: VersionRecord,
        expected_latest: int,
        event: EventRecord,
        idempotency: tuple[str, str] | None,
    ) -> None:
        pk = model_pk(version.model)
        version_item = VersionItem(
            pk,
            version_sk(version.version),
            record=json_record(version.model_copy(update=dict.fromkeys(LIFECYCLE_FIELDS))),
            status=version.status,
            tags=dict(version.tags),
            upload_open_until=int(version.upload_expires_at.timestamp()) if version.upload_expires_at else None,
        )
        transaction = LabelledTransaction()
        transaction.update(
            "counter",
            ModelItem(pk, MODEL_SK),
            [ModelItem.latest_version.set(version.version)],
            ModelItem.latest_version == expected_latest,
        )
        transaction.put("version", version_item, RegistryItem.sk.does_not_exist())
        transaction.put("event", event_item(event))
        if idempotency is not None:
            key, request_hash = idempotency
            idempotency_item = IdempotencyItem(
                pk,
                f"I#{key}",
                request_hash=request_hash,
                version=version.version,
                expires_at=int(now().timestamp()) + IDEMPOTENCY_TTL_SECONDS,
            )
            # An expired record is absent (TTL deletion lags by days): the key may be used again.
            unused = RegistryItem.sk.does_not_exist() | (IdempotencyItem.expires_at < int(now().timestamp()))
            transaction.put("idempotency", idempotency_item, unused)
        if version.semver is not None:
            semver_item = SemverItem(pk, f"S#{version.semver}", version=version.version)
            transaction.put("semver", semver_item, RegistryItem.sk.does_not_exist())
        for search_key in search_key_items(version):  # findable exactly when it exists: same transaction
            transaction.put("search key", search_key)
        transaction.commit()

    def mark_version_ready(
        self, model: str, number: int, sha256: str, blob_version: str | None, event: EventRecord
    ) -> datetime:
        ready_at = now()
        item = VersionItem(model_pk(model), version_sk(number))
        transaction = LabelledTransaction()
        transaction.update(
            "version",
            item,
            [
                VersionItem.status.set("ready"),
                VersionItem.ready_at.set(ready_at),
                *([VersionItem.blob_version.set(blob_version)] if blob_version else []),
                RegistryItem.gsi2pk.set(f"DIGEST#{sha256}"),
                RegistryItem.gsi2sk.set(f"{model_pk(model)}#{version_sk(number)}"),
            ],
            upload_open(),
        )
        transaction.put("event", event_item(event))
        transaction.commit()
        return ready_at

    def mark_version_verifying(self, model: str, number: int, event: EventRecord) -> None:
        transaction = LabelledTransaction()
        transaction.update(
            "version",
            VersionItem(model_pk(model), version_sk(number)),
            [VersionItem.status.set("verifying")],
            upload_open(),
        )
        transaction.put("event", event_item(event))
        transaction.commit()

    def finish_verification(
        self, model: str, number: int, sha256: str, verdict: Verdict, event: EventRecord
    ) -> datetime:
        settled_at = now()
        if verdict.ready:
            actions = [
                VersionItem.status.set("ready"),
                VersionItem.ready_at.set(settled_at),
                *([VersionItem.blob_version.set(verdict.blob_version)] if verdict.blob_version else []),
                RegistryItem.gsi2pk.set(f"DIGEST#{sha256}"),
                RegistryItem.gsi2sk.set(f"{model_pk(model)}#{version_sk(number)}"),
            ]
        else:
            actions = [VersionItem.status.set("rejected"), VersionItem.status_reason.set(verdict.reason or "")]
        transaction = LabelledTransaction()
        transaction.update(
            "version", VersionItem(model_pk(model), version_sk(number)), actions, VersionItem.status == "verifying"
        )
        transaction.put("event", event_item(event))
        transaction.commit()
        return settled_at

    def extend_upload_window(self, model: str, number: int, until: datetime) -> None:
        item = VersionItem(model_pk(model), version_sk(number))
        try:
            item.update(actions=[VersionItem.upload_open_until.set(int(until.timestamp()))], condition=upload_open())
        except UpdateError as error:
            if is_condition_failure(error):
                raise ConditionFailed({"version"}) from error
            raise

    def set_version_status(
        self,
        model: str,
        number: int,
        status: str,
        reason: str,
        allowed_from: Sequence[str],
        event: EventRecord,
        pointers_holding: Sequence[PointerRecord],
        pointer_moves_seen: int,
    ) -> None:
        item = VersionItem(model_pk(model), version_sk(number))
        unmoved = (
            VersionItem.pointer_moves.does_not_exist()
            if pointer_moves_seen == 0
            else VersionItem.pointer_moves == pointer_moves_seen
        )
        transaction = LabelledTransaction()
        transaction.update(
            "version",
            item,
            [VersionItem.status.set(status), VersionItem.status_reason.set(reason)],
            VersionItem.status.is_in(*allowed_from) & unmoved,
        )
        transaction.put("event", event_item(event))
        for pointer in pointers_holding:
            assert pointer.target is not None
            target = pointer.target.model_copy(update={"status": status})
            record = stored_pointer(pointer.model_copy(update={"target": target}, deep=True))
            transaction.update(
                "pointer",
                PointerItem(model_pk(model), pointer_sk(pointer.kind, pointer.name)),
                [PointerItem.record.set(record)],
                PointerItem.revision == pointer.revision,
            )
        transaction.commit()
