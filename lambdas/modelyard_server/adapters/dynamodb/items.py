"""The registry table's item types and keys (pynamodb), bound to a table at bootstrap.

Layout: every item of a model lives in partition ``MODEL#<name>``.

=========================  ==========================================================
sort key                   item
=========================  ==========================================================
``#MODEL``                 the model (GSI1: ``MODELS`` / name, to list models)
``#PTR#stage#<name>``      a stage pointer, with a summary of the version it holds
``#PTR#alias#<name>``      an alias pointer
``#POLICY``                the model's admin policy override
``V#<0000000007>``         a version (GSI2, once ready: ``DIGEST#<sha256>``)
``H#<kind>#<name>#<ulid>`` one entry of a pointer's history
``E#<ulid>``               an event: the audit trail and the notification outbox (the stream)
``I#<key>``                an idempotency record (TTL ``expires_at``)
``S#<semver>``             a semver label's claim on a version
``R#<v>#<id>``             a validation report of version v
``RV#<v>#<reviewer>``      a reviewer's current review of version v (a later review replaces it)
=========================  ==========================================================

A stage or alias pointer that holds a version is also in GSI1 under ``HOLDS#<kind>#<name>`` /
model name (one item per model), in GSI2 under ``POINTERS`` / ``<model>#<kind>#<name>``, and its
version item lists it in ``holds`` (``stage:x``, ``alias:y``): all move in the pointer's
transaction, so search answers "what is in production" from one partition, reads the pointers of a
page of models (a range of names) in one Query, and shows what each version holds without reading
pointers.

Search keys (written in the transaction that registers a version, immutable like its facts):

=================================================  ==============================================
partition / sort key                               item
=================================================  ==============================================
``FIND#<key>`` / ``<created_at>#<model>#<v>``      one per search key of a version (see
                                                   ``search_keys.py``): ``ALL``, ``MODEL#<name>``,
                                                   ``TAG#<k>=<v>``, ``FRAMEWORK#``, ``FORMAT#``,
                                                   ``DATA_URI#``, ``DATA_VERSION#``,
                                                   ``DATA_DIGEST#``, ``COMMIT#<first 7>``,
                                                   ``WORKFLOW#<path>``, ``PARENT#<uri>``; each
                                                   projects the version's filterable facts
=================================================  ==============================================

The ``#`` prefix sorts a model's own item, its pointers and its policy together, so reading a
model with its stages and aliases is one Query however many versions and events it has.
Registry-wide items (policy, notification config, role grants, security log, promotion requests, webhook
deliveries, sent-markers, revoked sessions) have partitions of their own: see the modules that keep them.
"""

from __future__ import annotations

import os
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from modelyard_server.ports.records import PointerKind

MODEL_SK = "#MODEL"


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
    revision = NumberAttribute(null=True)  # the record's revision, for write conditions (the record holds it too)


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
    holds = UnicodeSetAttribute(null=True)  # "stage:production", "alias:champion": the pointers on it now
    upload_open_until = NumberAttribute(null=True)  # epoch seconds: its upload URLs expire then (pending only)


class SearchKeyItem(RegistryItem, discriminator="search_key"):
    """One search key of a version: newest-first in its partition, with the facts filters read."""

    model = UnicodeAttribute()
    version = NumberAttribute()
    created_at = UnicodeAttribute()  # ISO 8601 UTC, fixed width: it sorts as it reads
    tags = MapAttribute[str, Any](default=dict)
    metrics = MapAttribute[str, Any](default=dict)
    framework = UnicodeAttribute(null=True)
    format = UnicodeAttribute(null=True)
    commit = UnicodeAttribute(null=True)
    workflow = UnicodeAttribute(null=True)
    data_uri = UnicodeAttribute(null=True)
    data_version = UnicodeAttribute(null=True)
    data_digest = UnicodeAttribute(null=True)
    parents = UnicodeSetAttribute(null=True)
    partial = BooleanAttribute(null=True)  # True: tags and metrics were too large to copy here


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
    deleted = BooleanAttribute(null=True)  # a deleted namespace's layer stays as a tombstone (no DeleteItem)


class ReportItem(RegistryItem, discriminator="report"):
    record = JSONAttribute()


class ReviewItem(RegistryItem, discriminator="review"):
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


class SecurityEventItem(RegistryItem, discriminator="security_event"):
    record = JSONAttribute()
    expires_at = NumberAttribute()


class GovernanceEventItem(RegistryItem, discriminator="governance_event"):
    """An event of the governance trail: not of kind ``event``, so the stream consumer does not publish it."""

    record = JSONAttribute()
    event_type = UnicodeAttribute()  # the filters read these two: a JSON record cannot be filtered on
    actor_subject = UnicodeAttribute()


class RoleGrantItem(RegistryItem, discriminator="role_grant"):
    record = JSONAttribute()
    revoked = BooleanAttribute(null=True)  # a revoked grant stays as a tombstone: the API never deletes items


class NamespaceItem(RegistryItem, discriminator="namespace"):
    record = JSONAttribute()
    revision = NumberAttribute()
    deleted = BooleanAttribute(null=True)  # a deleted namespace stays as a tombstone, which a new one overwrites
    models = NumberAttribute(null=True)  # models ever registered in it (since counting began): guards a delete
    grants = NumberAttribute(null=True)  # role grants ever made at it (since counting began): guards a delete


class SecurityQuotaItem(RegistryItem, discriminator="security_quota"):
    kept = NumberAttribute()
    expires_at = NumberAttribute()


class RevokedSessionItem(RegistryItem, discriminator="revoked_session"):
    expires_at = NumberAttribute()  # the table's TTL attribute: gone once the session's token has expired


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
    for cls in _item_classes(RegistryItem):
        cls._connection = None
    for index in (RegistryItem.list_models_index, RegistryItem.digest_index):
        vars(index).pop("_connection", None)
    _transaction_connection = Connection(region=region)


def transaction_connection() -> Connection:
    if _transaction_connection is None:
        raise RuntimeError("the registry table is not bound: build the backend with modelyard_server.bootstrap")
    return _transaction_connection


def model_pk(name: str) -> str:
    return f"MODEL#{name}"


def version_sk(number: int) -> str:
    return f"V#{number:010d}"


def pointer_sk(kind: PointerKind, name: str) -> str:
    return f"#PTR#{kind}#{name}"


def review_prefix(number: int) -> str:
    return f"RV#{number:010d}#"


def history_prefix(kind: PointerKind, name: str) -> str:
    return f"H#{kind}#{name}#"


def holds_partition(kind: PointerKind, name: str) -> str:
    """GSI1 partition of the pointers named `name` that hold a version, one per model."""
    return f"HOLDS#{kind}#{name}"


POINTERS_PARTITION = "POINTERS"  # GSI2: every pointer holding a version, by model name, then kind and name


def pointers_sort_key(model: str, kind: PointerKind, name: str) -> str:
    return f"{model}#{kind}#{name}"  # "#" sorts before every character of a model name


def json_record(model: Any) -> Any:
    return model.model_dump(mode="json")
