"""The storage ports: what the domain needs from a backend, named for what each call guarantees.

A backend implements each protocol (``adapters/dynamodb`` + ``adapters/s3_blobs`` on AWS,
``adapters/embedded`` on one machine); ``tests/contract`` holds every backend to the same guarantees.
Every write that changes state takes the event describing the change and stores both atomically:
no change exists without its event, and no event without its change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: importing the ports defines no pydantic model
    from modelyard_server.domain.event_record import EventRecord
    from modelyard_server.domain.model_records import ModelRecord
    from modelyard_server.domain.namespace_records import NamespaceRecord
    from modelyard_server.domain.pointer_records import HistoryEntry, PointerRecord
    from modelyard_server.domain.review_records import ReviewRecord
    from modelyard_server.domain.role_grants import GrantKey, RoleGrant
    from modelyard_server.domain.version_records import ValidationSummary, VersionRecord
    from modelyard_server.ports.records import (
        AuditQuery,
        BlobFacts,
        DeadLetter,
        IdempotencyRecord,
        LoadedModel,
        Page,
        PointerKind,
        PresignedPart,
        PresignedPut,
        Verdict,
        VerifiedBlob,
    )


class ModelStore(Protocol):
    def load_model(self, name: str) -> LoadedModel | None:
        """The model with its pointers and policy override, in one read whatever its number of versions."""

    def get_model(self, name: str, *, consistent: bool = False) -> ModelRecord | None: ...

    def list_models(self, limit: int, token: str | None) -> Page[ModelRecord]:
        """Models by name; `token` continues after the previous page (BadPageToken if it is not ours)."""

    def create_model_once(self, model: ModelRecord, event: EventRecord, namespace: str | None = None) -> None:
        """Create the model with its event; ConditionFailed({'model'}) if the name is taken.

        With `namespace` (the model's), the namespace must exist when the model is stored, in the same write:
        ConditionFailed({'namespace'}) if it is gone (deleted meanwhile), so no model outlives its namespace.
        """

    def update_model_with_event(
        self, model: ModelRecord, expected_revision: int, event: EventRecord, audit: EventRecord | None = None
    ) -> None:
        """Replace the model's descriptive fields (and owners) with its event, and its governance event when the
        change is one (owners), iff the stored model is still at `expected_revision` (`model.revision` is the
        next one); ConditionFailed({'model'}) if it is gone or changed since, and no event."""


class VersionStore(Protocol):
    def get_version(self, name: str, number: int, *, consistent: bool = False) -> VersionRecord | None: ...

    def get_semver_claim(self, name: str, semver: str) -> int | None: ...

    def list_versions(
        self, name: str, limit: int, token: str | None, status: str | None, tag: tuple[str, str] | None
    ) -> Page[VersionRecord]:
        """Newest first; one storage read per page (a filtered page may hold fewer items than asked)."""

    def verified_blob(self, sha256: str) -> VerifiedBlob | None:
        """Whether some ready version (of any model) holds these exact bytes."""

    def get_idempotency_record(self, model: str, key: str) -> IdempotencyRecord | None:
        """The unexpired record of an earlier registration with this idempotency key."""

    def insert_version_claiming_number(
        self,
        version: VersionRecord,
        expected_latest: int,
        event: EventRecord,
        idempotency: tuple[str, str] | None,
    ) -> None:
        """Write version N = expected_latest + 1 iff the model's counter still says expected_latest.

        Counter, version, event, idempotency record (key, request hash) and semver claim move together
        or not at all. ConditionFailed names the guards that failed: 'counter', 'idempotency', 'semver'
        ('version' may come with 'counter': the number is taken). An expired idempotency record is absent.
        """

    def mark_version_ready(
        self, model: str, number: int, sha256: str, blob_version: str | None, event: EventRecord
    ) -> datetime:
        """pending_upload → ready (findable by digest from then on) with its event; the time it became ready.

        ConditionFailed({'version'}) if it is not pending or its upload was abandoned.
        """

    def mark_version_verifying(self, model: str, number: int, event: EventRecord) -> None:
        """pending_upload → verifying (the bytes are in; a verifier hashes them) with its event.

        ConditionFailed({'version'}) if it is not pending or its upload was abandoned.
        """

    def finish_verification(
        self, model: str, number: int, sha256: str, verdict: Verdict, event: EventRecord
    ) -> datetime:
        """verifying → ready (findable by digest, as mark_version_ready) or → rejected (status_reason =
        `verdict.reason`), with its event; the time of the change.

        ConditionFailed({'version'}) if it is not verifying (another verifier settled it first).
        """

    def extend_upload_window(self, model: str, number: int, until: datetime) -> None:
        """Keep a pending upload open until `until`; ConditionFailed({'version'}) if not pending or abandoned."""

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
        """Move a version's status (and the summaries of the pointers holding it) with its event.

        Conditioned on the status being one of `allowed_from`, on no pointer having moved onto the version
        since `pointer_moves_seen` was read ('version'), and on each pointer's revision ('pointer').
        """


class PointerStore(Protocol):
    def get_pointer(
        self, model: str, kind: PointerKind, name: str, *, consistent: bool = False
    ) -> PointerRecord | None: ...

    def pointer_history(self, model: str, kind: PointerKind, name: str, limit: int) -> list[HistoryEntry]:
        """The latest `limit` entries, newest first."""

    def move_pointer(
        self,
        pointer: PointerRecord,
        expected_revision: int | None,
        history: HistoryEntry,
        event: EventRecord,
        guard_version_ready: int | None,
    ) -> None:
        """The pointer's new state, its history entry and its event, together.

        Conditioned on the pointer's revision (None: it must not exist yet) → 'pointer', and, when
        `guard_version_ready` is a number, on that version still being ready → 'version'; that version
        counts the move (`pointer_moves`) and, for a promotion of a stage, remembers the stage.
        """


class EventLog(Protocol):
    def list_events(self, model: str, limit: int, token: str | None) -> Page[EventRecord]:
        """A model's events, oldest first."""

    def latest_events(self, model: str, limit: int, before: str | None = None) -> list[EventRecord]:
        """A model's latest `limit` events, newest first: one read, whatever the length of its trail. With
        `before` (an event id), the latest of those older than that event: the trail paged back."""

    def list_events_from(self, model: str, first_id: str, limit: int) -> Page[EventRecord]:
        """A model's events whose ids are `first_id` or later, oldest first, in one read: what happened
        since a moment (event ids are ULIDs, ordered by time). Its `next_token` continues with `list_events`."""

    def record_event(self, event: EventRecord) -> None:
        """An event with no state change of its own (a refusal, for the audit trail)."""


class GovernanceStore(Protocol):
    """Registry governance: policies, validations, protection-rule records, and the governance trail.

    The governance trail is the registry-level audit log of every change of registry policy, model policy
    overrides, notification routes (and roles, owners, namespaces): each write below that changes one of
    them takes its `audit` event (`domain.governance_audit.governance_event`) and stores it atomically
    with the change. Its events are not published to the bus (they are not model events).
    """

    def get_registry_policy(self) -> tuple[dict[str, Any], int] | None: ...

    def put_registry_policy(self, record: dict[str, Any], expected_revision: int, audit: EventRecord) -> int:
        """Store revision expected+1 (kept in the history too) with its governance event iff the current one
        is still `expected` (0: none yet); ConditionFailed({'policy'}) otherwise, and no event."""

    def registry_policy_history(self, limit: int, token: str | None = None) -> Page[tuple[int, dict[str, Any]]]:
        """Stored registry policy revisions (revision, record), newest first: one storage read per page."""

    def put_model_policy(
        self, model: str, record: dict[str, Any], expected_revision: int, event: EventRecord, audit: EventRecord
    ) -> int:
        """A model's admin override, revision-guarded like the registry's, with the model's event and the
        governance event, together."""

    def governance_events(self, query: AuditQuery, limit: int, token: str | None) -> Page[EventRecord]:
        """The governance trail, by event id (time) in the query's order; a fixed number of storage reads
        per page (each adapter states its plan; a filtered page may hold fewer items than `limit`)."""

    def save_validation(
        self, model: str, number: int, report: dict[str, Any], summary: ValidationSummary, event: EventRecord
    ) -> None:
        """The report, the version's latest-validation summary and the event, together; the version must be
        ready ('version')."""

    def latest_report(self, model: str, number: int) -> dict[str, Any] | None: ...

    def save_promotion_request(self, repository: str, run_id: str, stage: str, request: dict[str, Any]) -> None:
        """What a workflow run asked to promote, for the deployment protection rule (kept 31 days)."""

    def get_promotion_request(self, repository: str, run_id: str, stage: str) -> dict[str, Any] | None: ...

    def delivery_seen(self, delivery_id: str) -> bool: ...

    def claim_delivery(self, delivery_id: str) -> bool:
        """True the first time a webhook delivery id is claimed; False for a replay."""


class NamespaceStore(Protocol):
    """Namespace records. They are few (teams, not models), so listing them all is one storage read, and a
    caller's visibility (which private namespaces it may not see) costs that one read at most.

    Every write is conditional and stores its governance event (`namespace.created`, `namespace.updated`,
    `namespace.owners.changed`, `namespace.deleted`) atomically with the change.
    """

    def get_namespace(self, name: str) -> NamespaceRecord | None: ...

    def list_namespaces(self) -> list[NamespaceRecord]:
        """Every namespace, by name, in one storage read."""

    def create_namespace_once(self, record: NamespaceRecord, audit: EventRecord) -> None:
        """Store `record` (revision 1) with its governance event; ConditionFailed({'namespace'}) if the name is
        taken, and no event."""

    def update_namespace(self, record: NamespaceRecord, expected_revision: int, audit: EventRecord) -> None:
        """Replace the namespace with `record` (its revision is expected + 1) with its governance event iff the
        stored one is still at `expected_revision`; ConditionFailed({'namespace'}) otherwise, and no event."""

    def get_namespace_policy(self, name: str) -> tuple[dict[str, Any], int] | None:
        """The namespace's policy layer (record, revision): one read."""

    def put_namespace_policy(
        self, name: str, record: dict[str, Any], expected_revision: int, audit: EventRecord
    ) -> int:
        """Store revision expected+1 with its governance event iff the current one is still `expected` (0: none
        yet) and the namespace exists; ConditionFailed({'policy'}) otherwise, and no event."""

    def models_in_namespace(self, name: str) -> list[str]:
        """The names of the models in the namespace (any status), by name: one storage read per 1 MB."""

    def delete_namespace(
        self, name: str, expected_revision: int, policy_revision: int, grants: Sequence[GrantKey], audit: EventRecord
    ) -> None:
        """Remove the namespace, its policy layer and the role grants scoped to it, with its governance event,
        together, iff the namespace is still at `expected_revision`, its policy layer still at `policy_revision`
        (0: none), each of `grants` still held, and no model was stored in it (`create_model_once` with the
        namespace); ConditionFailed otherwise ('namespace', 'policy', 'grant'), and nothing changes.

        A name freed so is free for `create_namespace_once`, and the new namespace has no policy and no grants.
        """


class ReviewStore(Protocol):
    def save_review(self, review: ReviewRecord, event: EventRecord) -> None:
        """The reviewer's current review of the version (replacing their earlier one) and its event, together;
        the version must be ready ('version'). Earlier reviews live on in the events only."""

    def current_reviews(self, model: str, number: int) -> list[ReviewRecord]:
        """Each reviewer's latest review of the version, oldest first."""


class RoleGrants(Protocol):
    """Who holds which role where. Grants are few (teams and a handful of people and repositories)."""

    def all_grants(self) -> list[RoleGrant]:
        """Every grant, in one storage read."""

    def add_grant(self, grant: RoleGrant, audit: EventRecord) -> bool:
        """Store `grant` with its governance event, together, unless a grant with the same key exists:
        then False, and nothing (no event) is stored. A grant at a namespace needs the namespace to be there
        when it is stored: ConditionFailed({'namespace'}) otherwise (deleted meanwhile), and nothing is stored."""

    def remove_grant(self, key: GrantKey, audit: EventRecord) -> bool:
        """Remove the grant with `key` with its governance event, together; False (and no event) when
        there is no such grant."""


class NotificationStore(Protocol):
    def get_config(self) -> tuple[dict[str, Any], int] | None: ...

    def put_config(self, record: dict[str, Any], expected_revision: int, audit: EventRecord) -> int:
        """Store revision expected+1 with its governance event iff the stored one is still `expected`
        (0 = none yet); ConfigChanged otherwise, and no event."""

    def already_sent(self, event_id: str, channel: str) -> bool: ...

    def mark_sent(self, event_id: str, channel: str) -> None: ...


class SecurityLog(Protocol):
    def record_refusal(self, event: EventRecord, who: str, per_hour: int, keep_days: int) -> bool:
        """Keep `event` unless `who` used up this hour's quota of `per_hour`; False when it was dropped."""

    def list_refusals(self, limit: int, token: str | None) -> Page[EventRecord]:
        """Newest first."""


class SessionRevocations(Protocol):
    """People's sessions that were signed out before they expired, by their token's id (`jti`).

    A revocation is kept until `until`, when the session's token is refused anyway (expired): the store stays
    as small as the sessions that are both signed out and not yet expired. Every request made with a session
    token asks `session_revoked`, so it is one storage read and never answered from memory: a sign-out in one
    process (a Lambda container) holds in every other at once.
    """

    def revoke_session(self, session_id: str, until: int) -> None:
        """Refuse the session `session_id` from now until `until` (unix seconds); revoking it again is no error."""

    def session_revoked(self, session_id: str) -> bool:
        """Whether the session was revoked and its revocation has not lapsed: one strongly consistent read."""


class BlobStore(Protocol):
    """Content-addressed artifact bytes, moved by clients through expiring URLs the store signs."""

    def presign_put(self, key: str, size: int, media_type: str, sha256_hex: str, ttl: int) -> PresignedPut:
        """A URL (and headers) that accepts exactly these bytes: the store checks size and SHA-256 on arrival."""

    def start_multipart(self, key: str, media_type: str) -> str:
        """A new multipart upload's id."""

    def presign_parts(
        self, key: str, upload_id: str, numbers: range, ttl: int, *, part_size: int
    ) -> list[PresignedPart]:
        """Upload URLs for parts `numbers`, each taking at most `part_size` bytes (the last one may be smaller)."""

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> bool:
        """Assemble the parts (number, etag); False when the upload id is unknown; ValueError for bad parts."""

    def abort_multipart(self, key: str, upload_id: str) -> None: ...

    def head_blob(self, key: str) -> BlobFacts | None: ...

    def hash_blob(self, key: str, version_id: str | None) -> str:
        """SHA-256 (hex) of the stored bytes, streamed: memory stays flat whatever the size."""

    def delete_blob(self, key: str) -> None: ...

    def presign_get(self, key: str, version_id: str | None, filename: str, ttl: int) -> str:
        """A download URL for exactly the verified bytes."""


class Parameters(Protocol):
    def read_parameter(self, name: str) -> str | None:
        """A channel secret (webhook URL, signing secret) by name, or None if there is none."""


class DeadLetters(Protocol):
    def send(self, body: dict[str, Any]) -> None: ...

    def receive(self, limit: int, wait_seconds: int = 0) -> Iterator[DeadLetter]:
        """Up to `limit` letters, each hidden from other readers until deleted or its visibility lapses."""

    def delete(self, letter: DeadLetter) -> None: ...
