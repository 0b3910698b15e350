"""Values that cross the storage ports: pages, guards that failed, facts about stored bytes.

Every backend (DynamoDB + S3 on AWS, SQLite + files embedded) answers with these and raises these,
so the domain never sees a backend's own types or exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

if TYPE_CHECKING:  # annotations only: a function that never loads a model need not define them all
    from modelyard_server.domain.model_records import ModelRecord
    from modelyard_server.domain.pointer_records import PointerRecord

PointerKind = Literal["stage", "alias"]
T = TypeVar("T")


def blob_key(sha256: str) -> str:
    """Where the bytes with this SHA-256 live, in every backend: artifacts are content-addressed."""
    return f"blobs/sha256/{sha256}"


class ConditionFailed(Exception):
    """A conditional write lost: `failed` names which guarded parts' conditions did not hold.

    Labels: 'model', 'counter', 'version', 'idempotency', 'semver', 'pointer', 'policy', 'namespace'.
    """

    def __init__(self, failed: set[str]) -> None:
        super().__init__(", ".join(sorted(failed)))
        self.failed = failed


class BadPageToken(ValueError):
    """The `next_token` was not one this API handed out for this listing."""


class ConfigChanged(Exception):
    """Someone else replaced the notification routing config since it was read."""


class StorageFull(Exception):
    """The storage had no room for a write, which did not happen: nothing of it was kept.

    The message is for the operator (it names where the space ran out); callers are told less.
    """


class StorageBusy(Exception):
    """Another process held the storage longer than a request may wait; nothing was changed. Retry later."""

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


@dataclass(frozen=True)
class AuditQuery:
    """Which events of the registry's governance trail to list, and in which order.

    Times arrive as event-id bounds (ids are ULIDs, ordered by time), both inclusive, so each backend
    reads one key range: `first_id` ≤ id ≤ `last_id`. `kinds` empty: every kind; `actor`: the acting
    principal's subject (`detail.subject` of the event), exactly.
    """

    kinds: tuple[str, ...] = ()
    actor: str | None = None
    first_id: str | None = None
    last_id: str | None = None
    newest_first: bool = True


@dataclass
class LoadedModel:
    """A model with all its stage and alias pointers and its policy override: one read."""

    model: ModelRecord
    pointers: dict[tuple[str, str], PointerRecord]
    policy_override: dict[str, Any] | None
    policy_revision: int

    def held_versions(self) -> dict[str, int | None]:
        """`stage:production` / `alias:champion` → the version the pointer holds now (None: emptied)."""
        return {f"{kind}:{name}": pointer.version for (kind, name), pointer in self.pointers.items()}


@dataclass
class IdempotencyRecord:
    request_hash: str
    version: int


@dataclass(frozen=True)
class VerifiedBlob:
    """Bytes some ready version holds: the stored object version they were verified on (None if unversioned)."""

    version_id: str | None


@dataclass(frozen=True)
class Verdict:
    """What a verifier found: the bytes are the declared artifact (on `blob_version`), or not (`reason`)."""

    ready: bool
    blob_version: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class BlobFacts:
    size: int
    checksum_sha256: str | None  # hex, only when the store keeps a full-object SHA-256
    version_id: str | None  # the stored object version (S3's bucket is versioned; files are not)
    # True when the store itself hashed the bytes as they arrived (then `checksum_sha256` is theirs for
    # sure); False when it may keep a checksum it never checked (an S3 stand-in), so the server hashes.
    checksum_verified: bool = False


@dataclass(frozen=True)
class PresignedPut:
    """Where and how to upload a whole artifact: the URL and the headers the request must carry."""

    url: str
    headers: dict[str, str]


@dataclass(frozen=True)
class PresignedPart:
    part_number: int
    url: str


@dataclass(frozen=True)
class DeadLetter:
    body: dict[str, Any]
    receipt_handle: str
