"""The registry table (one DynamoDB table, pynamodb), behind functions that speak domain records.

Layout: every item of a model lives in partition ``MODEL#<name>``.

=========================  ==========================================================
sort key                   item
=========================  ==========================================================
``#MODEL``                 the model (GSI1: ``MODELS`` / name, to list models)
``#PTR#stage#<name>``      a stage pointer, with a summary of the version it holds
``#PTR#alias#<name>``      an alias pointer
``V#<0000000007>``         a version (GSI2, once ready: ``DIGEST#<sha256>``)
``H#<kind>#<name>#<ulid>`` one entry of a pointer's history
``E#<ulid>``               an event: the audit trail and the notification outbox
``I#<key>``                an idempotency record (TTL ``expires_at``)
``S#<semver>``             a semver label's claim on a version
=========================  ==========================================================

The ``#`` prefix sorts a model's own item and its pointers together, so reading a model
with its stages and aliases is one Query however many versions and events it has.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

from pynamodb.attributes import (
    DiscriminatorAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from modelyard_server.domain.schemas import (
    ABANDON_GRACE,
    EventRecord,
    HistoryEntry,
    ModelRecord,
    PointerRecord,
    PointerState,
    VersionRecord,
)

PointerKind = Literal["stage", "alias"]
MODEL_SK = "#MODEL"
IDEMPOTENCY_TTL_SECONDS = 24 * 3600


class ListModelsIndex(GlobalSecondaryIndex["RegistryItem"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class DigestIndex(GlobalSecondaryIndex["RegistryItem"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class RegistryItem(Model):
    class Meta:
        table_name = "modelyard"
        region = "us-east-1"

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = DiscriminatorAttribute(attr_name="kind")
    gsi1pk = UnicodeAttribute(null=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(null=True, attr_name="GSI1SK")
    gsi2pk = UnicodeAttribute(null=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(null=True, attr_name="GSI2SK")
    list_models_index = ListModelsIndex()
    digest_index = DigestIndex()


class ModelItem(RegistryItem, discriminator="model"):
    record = JSONAttribute()
    latest_version = NumberAttribute(default=0)


class VersionItem(RegistryItem, discriminator="version"):
    record = JSONAttribute()
    status = UnicodeAttribute()
    status_reason = UnicodeAttribute(null=True)
    ready_at = UTCDateTimeAttribute(null=True)
    tags = MapAttribute[str, Any](default=dict)
    validation = JSONAttribute(null=True)
    stages_reached = UnicodeSetAttribute(null=True)
    blob_version = UnicodeAttribute(null=True)
    pointer_moves = NumberAttribute(null=True)  # bumped whenever a stage or alias moves onto this version
    upload_open_until = NumberAttribute(null=True)  # epoch seconds: its upload URLs expire then (pending only)


class PointerItem(RegistryItem, discriminator="pointer"):
    record = JSONAttribute()
    revision = NumberAttribute()
    version = NumberAttribute(null=True)


class HistoryItem(RegistryItem, discriminator="history"):
    record = JSONAttribute()


class EventItem(RegistryItem, discriminator="event"):
    record = JSONAttribute()


class PolicyItem(RegistryItem, discriminator="policy"):
    record = JSONAttribute()
    revision = NumberAttribute()


class ReportItem(RegistryItem, discriminator="report"):
    record = JSONAttribute()


class PromotionRequestItem(RegistryItem, discriminator="promotion_request"):
    record = JSONAttribute()
    expires_at = NumberAttribute()


class IdempotencyItem(RegistryItem, discriminator="idempotency"):
    request_hash = UnicodeAttribute()
    version = NumberAttribute()
    expires_at = NumberAttribute()


class SemverItem(RegistryItem, discriminator="semver"):
    version = NumberAttribute()


class NotificationConfigItem(RegistryItem, discriminator="notification_config"):
    record = JSONAttribute()
    revision = NumberAttribute()


class NotificationSentItem(RegistryItem, discriminator="notification_sent"):
    expires_at = NumberAttribute()


_transaction_connection: Connection | None = None


def _item_classes(root: type[RegistryItem]) -> list[type[RegistryItem]]:
    found = [root]
    for sub in root.__subclasses__():
        found += _item_classes(sub)
    return found


def bind(table_name: str) -> None:
    """Point every item class at `table_name` (and the region and endpoint of this process's AWS config)."""
    global _transaction_connection
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    RegistryItem.Meta.table_name = table_name
    RegistryItem.Meta.region = region
    for cls in _item_classes(RegistryItem):  # with those other adapters define (security_log, ...)
        cls._connection = None
    for index in (RegistryItem.list_models_index, RegistryItem.digest_index):
        vars(index).pop("_connection", None)
    _transaction_connection = Connection(region=region)


def _connection() -> Connection:
    if _transaction_connection is None:
        raise RuntimeError("table.bind() was not called")
    return _transaction_connection


# ------------------------------------------------------------------------------------------ keys


def model_pk(name: str) -> str:
    return f"MODEL#{name}"


def version_sk(number: int) -> str:
    return f"V#{number:010d}"


def pointer_sk(kind: PointerKind, name: str) -> str:
    return f"#PTR#{kind}#{name}"


def history_prefix(kind: PointerKind, name: str) -> str:
    return f"H#{kind}#{name}#"


def now() -> datetime:
    return datetime.now(UTC)


# ----------------------------------------------------------------------------------- pagination


class BadPageToken(ValueError):
    """The `next_token` was not one this API handed out for this listing."""


def encode_page_token(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str | None, partition: str) -> dict[str, Any] | None:
    """The DynamoDB start key inside `token`, checked to belong to `partition`."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadPageToken("next_token is not a token this API issued") from error
    allowed = {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"}
    if (
        not isinstance(key, dict)
        or not set(key) <= allowed
        or not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values())
    ):
        raise BadPageToken("next_token is not a token this API issued")
    anchor = key.get("GSI1PK") or key.get("PK")
    if anchor != {"S": partition}:
        raise BadPageToken("next_token belongs to another listing")
    return key


T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


def _one_page(result: Any) -> tuple[list[RegistryItem], str | None]:
    """Exactly one DynamoDB page of a query: its items and the token to continue after it.

    With a filter a page may hold fewer items than asked (even none) while `next_token` says
    there is more: each listing call costs one round trip however many items the filter skips.
    """
    page = next(iter(result.page_iter), None)
    if page is None:
        return [], None
    items = [RegistryItem.from_raw_data(raw) for raw in page.get("Items", [])]
    return items, encode_page_token(page.get("LastEvaluatedKey"))


# ------------------------------------------------------------------------------------ conversion


def _model_record(item: ModelItem, pointers: Sequence[PointerItem] = ()) -> ModelRecord:
    record = ModelRecord.model_validate({**item.record, "latest_version": int(item.latest_version)})
    for pointer in pointers:
        data = pointer.record
        if pointer.version is None:
            continue
        state = PointerState(version=int(pointer.version), updated_at=data["updated_at"], updated_by=data["updated_by"])
        (record.stages if data["kind"] == "stage" else record.aliases)[data["name"]] = state
    return record


def _version_record(item: VersionItem) -> VersionRecord:
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


def _pointer_record(item: PointerItem) -> PointerRecord:
    return PointerRecord.model_validate(
        {
            **item.record,
            "revision": int(item.revision),
            "version": None if item.version is None else int(item.version),
        }
    )


def _json(model: Any) -> Any:
    return model.model_dump(mode="json")


# ----------------------------------------------------------------------------------------- reads


@dataclass
class LoadedModel:
    model: ModelRecord
    pointers: dict[tuple[str, str], PointerRecord]
    policy_override: dict[str, Any] | None
    policy_revision: int


def load_model(name: str) -> LoadedModel | None:
    """The model with all its stage and alias pointers and its policy override: one Query."""
    model: ModelItem | None = None
    pointers: list[PointerItem] = []
    policy: PolicyItem | None = None
    for item in RegistryItem.query(model_pk(name), RegistryItem.sk.startswith("#")):
        if isinstance(item, ModelItem):
            model = item
        elif isinstance(item, PointerItem):
            pointers.append(item)
        elif isinstance(item, PolicyItem):
            policy = item
    if model is None:
        return None
    by_key = {(p.record["kind"], p.record["name"]): _pointer_record(p) for p in pointers}
    return LoadedModel(
        model=_model_record(model, pointers),
        pointers=by_key,
        policy_override=policy.record["document"] if policy is not None else None,
        policy_revision=int(policy.revision) if policy is not None else 0,
    )


def get_model(name: str, *, consistent: bool = False) -> ModelRecord | None:
    try:
        item = ModelItem.get(model_pk(name), MODEL_SK, consistent_read=consistent)
    except ModelItem.DoesNotExist:
        return None
    return _model_record(item)


def list_models(limit: int, token: str | None) -> Page[ModelRecord]:
    start = decode_page_token(token, "MODELS")
    result = RegistryItem.list_models_index.query("MODELS", page_size=limit, last_evaluated_key=start)
    items, next_token = _one_page(result)
    return Page([_model_record(item) for item in items if isinstance(item, ModelItem)], next_token)


def get_version(name: str, number: int, *, consistent: bool = False) -> VersionRecord | None:
    try:
        item = VersionItem.get(model_pk(name), version_sk(number), consistent_read=consistent)
    except VersionItem.DoesNotExist:
        return None
    return _version_record(item)


def get_semver_claim(name: str, semver: str) -> int | None:
    try:
        return int(SemverItem.get(model_pk(name), f"S#{semver}").version)
    except SemverItem.DoesNotExist:
        return None


def _upload_open() -> Condition:
    """A pending version whose upload is not abandoned: its window closed less than ABANDON_GRACE ago.

    The storage side of the rule `VersionRecord` applies when it reads a version.
    """
    cutoff = int((now() - ABANDON_GRACE).timestamp())
    condition: Condition = (VersionItem.status == "pending_upload") & (
        VersionItem.upload_open_until.does_not_exist() | (VersionItem.upload_open_until >= cutoff)
    )
    return condition


def _status_condition(status: str) -> Condition:
    """Stored status, except that a pending upload past its window is abandoned."""
    condition: Condition
    if status == "abandoned":
        condition = (VersionItem.status == "pending_upload") & ~_upload_open()
    elif status == "pending_upload":
        condition = _upload_open()
    else:
        condition = VersionItem.status == status
    return condition


def list_versions(
    name: str, limit: int, token: str | None, status: str | None, tag: tuple[str, str] | None
) -> Page[VersionRecord]:
    condition: Condition | None = None
    if status is not None:
        condition = _status_condition(status)
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
    items, next_token = _one_page(result)
    return Page([_version_record(item) for item in items if isinstance(item, VersionItem)], next_token)


@dataclass(frozen=True)
class VerifiedBlob:
    """Bytes some ready version holds: the S3 object version they were verified on (None if unversioned)."""

    version_id: str | None


def verified_blob(sha256: str) -> VerifiedBlob | None:
    """Whether some ready version (of any model) holds these exact bytes: one Query on GSI2."""
    for item in RegistryItem.digest_index.query(f"DIGEST#{sha256}", limit=1):
        if isinstance(item, VersionItem):
            return VerifiedBlob(item.blob_version)
    return None


def get_pointer(model: str, kind: PointerKind, name: str, *, consistent: bool = False) -> PointerRecord | None:
    try:
        item = PointerItem.get(model_pk(model), pointer_sk(kind, name), consistent_read=consistent)
    except PointerItem.DoesNotExist:
        return None
    return _pointer_record(item)


def pointer_history(model: str, kind: PointerKind, name: str, limit: int) -> list[HistoryEntry]:
    result = RegistryItem.query(
        model_pk(model),
        RegistryItem.sk.startswith(history_prefix(kind, name)),
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
    )
    return [HistoryEntry.model_validate(item.record) for item in result if isinstance(item, HistoryItem)]


def list_events(model: str, limit: int, token: str | None) -> Page[EventRecord]:
    result = RegistryItem.query(
        model_pk(model),
        RegistryItem.sk.startswith("E#"),
        page_size=limit,
        last_evaluated_key=decode_page_token(token, model_pk(model)),
    )
    items, next_token = _one_page(result)
    return Page([EventRecord.model_validate(i.record) for i in items if isinstance(i, EventItem)], next_token)


@dataclass
class IdempotencyRecord:
    request_hash: str
    version: int


def get_idempotency_record(model: str, key: str) -> IdempotencyRecord | None:
    try:
        item = IdempotencyItem.get(model_pk(model), f"I#{key}", consistent_read=True)
    except IdempotencyItem.DoesNotExist:
        return None
    if int(item.expires_at) < int(now().timestamp()):
        return None  # expired; TTL deletion lags by up to a few days
    return IdempotencyRecord(item.request_hash, int(item.version))


# ---------------------------------------------------------------------------------------- writes


def _event_item(event: EventRecord) -> EventItem:
    return EventItem(model_pk(event.model), f"E#{event.id}", record=_json(event))


def _reasons(error: TransactWriteError) -> list[str]:
    return [(reason.code if reason is not None else "None") or "None" for reason in error.cancellation_reasons]


class ConditionFailed(Exception):
    """A conditional write lost: `failed` names which guarded items' conditions did not hold."""

    def __init__(self, failed: set[str]) -> None:
        super().__init__(", ".join(sorted(failed)))
        self.failed = failed


class _LabelledTransaction:
    """A TransactWrite whose operations carry labels, so a cancellation says which guard failed.

    DynamoDB reports one cancellation reason per item, in request order; pynamodb sends
    condition checks first, then puts, then updates, whatever order they were added in.
    """

    def __init__(self) -> None:
        self._checks: list[tuple[str, Any]] = []
        self._puts: list[tuple[str, Any]] = []
        self._updates: list[tuple[str, Any]] = []

    def put(self, label: str, item: RegistryItem, condition: Condition | None = None) -> None:
        self._puts.append((label, lambda t: t.save(item, condition=condition)))

    def update(self, label: str, item: RegistryItem, actions: list[Any], condition: Condition | None) -> None:
        self._updates.append((label, lambda t: t.update(item, actions=actions, condition=condition)))

    def check(self, label: str, cls: type[RegistryItem], pk: str, sk: str, condition: Condition) -> None:
        self._checks.append((label, lambda t: t.condition_check(cls, pk, sk, condition=condition)))

    def commit(self) -> None:
        ordered = self._checks + self._puts + self._updates
        try:
            with TransactWrite(connection=_connection()) as transaction:
                for _, add in ordered:
                    add(transaction)
        except TransactWriteError as error:
            reasons = _reasons(error)
            failed = {
                label for (label, _), code in zip(ordered, reasons, strict=False) if code == "ConditionalCheckFailed"
            }
            if not failed:
                raise
            raise ConditionFailed(failed) from error


def create_model_once(model: ModelRecord, event: EventRecord) -> None:
    """Create the model item and its event; `ConditionFailed({'model'})` if the name is taken."""
    item = ModelItem(
        model_pk(model.name),
        MODEL_SK,
        gsi1pk="MODELS",
        gsi1sk=model.name,
        record=_json(model.model_copy(update={"stages": {}, "aliases": {}})),
        latest_version=0,
    )
    transaction = _LabelledTransaction()
    transaction.put("model", item, RegistryItem.pk.does_not_exist())
    transaction.put("event", _event_item(event))
    transaction.commit()


def update_model_with_event(model: ModelRecord, event: EventRecord) -> None:
    item = ModelItem(model_pk(model.name), MODEL_SK)
    transaction = _LabelledTransaction()
    record = _json(model.model_copy(update={"stages": {}, "aliases": {}}))
    transaction.update("model", item, [ModelItem.record.set(record)], RegistryItem.pk.exists())
    transaction.put("event", _event_item(event))
    transaction.commit()


def insert_version_claiming_number(
    version: VersionRecord,
    expected_latest: int,
    event: EventRecord,
    idempotency: tuple[str, str] | None,
) -> None:
    """Write version N = expected_latest + 1 iff the model's counter still says expected_latest.

    Counter, version, event, idempotency record and semver claim move together or not at all, so a
    number is never shared, never skipped, and a retried request can never make a second version.
    Raises `ConditionFailed` naming the guards that failed: 'counter', 'idempotency', 'semver'.
    """
    pk = model_pk(version.model)
    model_item = ModelItem(pk, MODEL_SK)
    version_item = VersionItem(
        pk,
        version_sk(version.version),
        record=_json(
            version.model_copy(
                update={
                    "status_reason": None,
                    "ready_at": None,
                    "validation": None,
                    "blob_version": None,
                    "upload_expires_at": None,
                }
            )
        ),
        status=version.status,
        tags=dict(version.tags),
        upload_open_until=int(version.upload_expires_at.timestamp()) if version.upload_expires_at else None,
    )
    transaction = _LabelledTransaction()
    transaction.update(
        "counter",
        model_item,
        [ModelItem.latest_version.set(version.version)],
        ModelItem.latest_version == expected_latest,
    )
    transaction.put("version", version_item, RegistryItem.sk.does_not_exist())
    transaction.put("event", _event_item(event))
    if idempotency is not None:
        key, request_hash = idempotency
        idempotency_item = IdempotencyItem(
            pk,
            f"I#{key}",
            request_hash=request_hash,
            version=version.version,
            expires_at=int(now().timestamp()) + IDEMPOTENCY_TTL_SECONDS,
        )
        transaction.put("idempotency", idempotency_item, RegistryItem.sk.does_not_exist())
    if version.semver is not None:
        semver_item = SemverItem(pk, f"S#{version.semver}", version=version.version)
        transaction.put("semver", semver_item, RegistryItem.sk.does_not_exist())
    transaction.commit()


def mark_version_ready(model: str, number: int, sha256: str, blob_version: str | None, event: EventRecord) -> datetime:
    """pending_upload → ready (and into the digest index), with its event; ConditionFailed if not pending
    or abandoned.

    `blob_version` is the S3 object version whose bytes were verified: downloads are pinned to it.
    """
    ready_at = now()
    item = VersionItem(model_pk(model), version_sk(number))
    transaction = _LabelledTransaction()
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
        _upload_open(),
    )
    transaction.put("event", _event_item(event))
    transaction.commit()
    return ready_at


def extend_upload_window(model: str, number: int, until: datetime) -> None:
    """Keep a pending upload open until `until` (new URLs were handed out); ConditionFailed if it is no
    longer pending or its window had already closed an ABANDON_GRACE ago (it is abandoned).
    """
    item = VersionItem(model_pk(model), version_sk(number))
    try:
        item.update(actions=[VersionItem.upload_open_until.set(int(until.timestamp()))], condition=_upload_open())
    except UpdateError as error:
        if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
            raise ConditionFailed({"version"}) from error
        raise


def set_version_status(
    model: str,
    number: int,
    status: str,
    reason: str,
    allowed_from: Sequence[str],
    event: EventRecord,
    pointers_holding: Sequence[PointerRecord],
    pointer_moves_seen: int,
) -> None:
    """Move a version's lifecycle status (and the summaries of pointers holding it) with its event.

    Conditioned on no pointer having moved onto the version since `pointer_moves_seen` was read, so
    `pointers_holding` is complete.
    """
    item = VersionItem(model_pk(model), version_sk(number))
    unmoved = (
        VersionItem.pointer_moves.does_not_exist()
        if pointer_moves_seen == 0
        else VersionItem.pointer_moves == pointer_moves_seen
    )
    transaction = _LabelledTransaction()
    transaction.update(
        "version",
        item,
        [VersionItem.status.set(status), VersionItem.status_reason.set(reason)],
        VersionItem.status.is_in(*allowed_from) & unmoved,
    )
    transaction.put("event", _event_item(event))
    for pointer in pointers_holding:
        assert pointer.target is not None
        target = pointer.target.model_copy(update={"status": status})
        record = _json(pointer.model_copy(update={"target": target}, deep=True))
        for derived in ("history", "revision", "version"):
            record.pop(derived, None)
        transaction.update(
            "pointer",
            PointerItem(model_pk(model), pointer_sk(pointer.kind, pointer.name)),
            [PointerItem.record.set(record)],
            PointerItem.revision == pointer.revision,
        )
    transaction.commit()


def move_pointer(
    pointer: PointerRecord,
    expected_revision: int | None,
    history: HistoryEntry,
    event: EventRecord,
    guard_version_ready: int | None,
) -> None:
    """Write the pointer's new state, its history entry and its event in one transaction.

    Conditioned on the pointer's revision (None = the pointer must not exist yet) so two racing
    changes cannot both win, and on the target version still being `ready`.
    Raises `ConditionFailed` with 'pointer' and/or 'version'.
    """
    pk = model_pk(pointer.model)
    record = _json(pointer)
    for answer_only in ("history", "revision", "version", "already_held"):
        record.pop(answer_only, None)
    item = PointerItem(
        pk,
        pointer_sk(pointer.kind, pointer.name),
        record=record,
        revision=pointer.revision,
        version=pointer.version,
    )
    history_item = HistoryItem(
        pk, f"{history_prefix(pointer.kind, pointer.name)}{history.event_id}", record=_json(history)
    )
    condition = (
        RegistryItem.sk.does_not_exist() if expected_revision is None else PointerItem.revision == expected_revision
    )
    transaction = _LabelledTransaction()
    transaction.put("pointer", item, condition)
    transaction.put("history", history_item)
    transaction.put("event", _event_item(event))
    if guard_version_ready is not None:
        # The target must still be ready, and it counts the move, so an archive racing this change
        # fails instead of leaving a pointer whose summary still says "ready".
        actions: list[Any] = [VersionItem.pointer_moves.add(1)]
        if pointer.kind == "stage" and pointer.last_action == "promote":
            # A promoted version remembers the stage (for `from_stages` rules); a rollback target does
            # not gain one: it only returns to where it already was.
            actions.append(VersionItem.stages_reached.add({pointer.name}))
        transaction.update(
            "version", VersionItem(pk, version_sk(guard_version_ready)), actions, VersionItem.status == "ready"
        )
    transaction.commit()


def iter_all_items_for_tests(model: str) -> Iterator[RegistryItem]:
    """Every item of a model's partition (test and admin tooling only: unbounded)."""
    yield from RegistryItem.query(model_pk(model))


__all__ = [
    "BadPageToken",
    "ConditionFailed",
    "Page",
    "PutError",
    "UpdateError",
]
