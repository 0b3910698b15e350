"""Domain errors. Raised deep, mapped to RFC 9457 problem responses in one place (handlers.problems)."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a caller can fix; `status` is the HTTP status it maps to."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Unauthenticated(DomainError):
    status, slug, title = 401, "unauthenticated", "Authentication required"


class WebhookRefused(DomainError):
    status, slug, title = 400, "webhook-refused", "Webhook not accepted"


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Not allowed"


class ModelNotFound(DomainError):
    status, slug, title = 404, "model-not-found", "Model not found"


class VersionNotFound(DomainError):
    status, slug, title = 404, "version-not-found", "Version not found"


class PointerNotFound(DomainError):
    status, slug, title = 404, "pointer-not-found", "Stage or alias not found"


class ModelAlreadyExists(DomainError):
    status, slug, title = 409, "model-exists", "Model already exists"


class SemverTaken(DomainError):
    status, slug, title = 409, "semver-taken", "Semantic version label already used"


class PointerMoved(DomainError):
    status, slug, title = 409, "pointer-moved", "Stage or alias changed concurrently"


class VersionNotPromotable(DomainError):
    status, slug, title = 409, "version-not-promotable", "Version cannot be promoted or aliased"


class VersionStateConflict(DomainError):
    status, slug, title = 409, "version-state-conflict", "Version is not in a state that allows this"


class NothingToRollBack(DomainError):
    status, slug, title = 409, "nothing-to-roll-back", "No earlier holder to roll back to"


class ReasonRequired(DomainError):
    status, slug, title = 422, "reason-required", "A reason is required"


class IdempotencyKeyReused(DomainError):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency key reused with a different request"


class ArtifactMismatch(DomainError):
    status, slug, title = 422, "artifact-mismatch", "Uploaded artifact does not match its declaration"


class ArtifactMissing(DomainError):
    status, slug, title = 409, "artifact-missing", "Artifact has not been uploaded"


class Contention(DomainError):
    status, slug, title = 503, "contention", "Too many concurrent writers; retry"


class OneGranteeRequired(DomainError):
    """A query naming a grantee (a role to revoke, a namespace owner to remove) named none or several."""

    status, slug, title = 422, "one-grantee-required", "Name exactly one grantee"

    @classmethod
    def given(cls, count: int) -> OneGranteeRequired:
        return cls(f"name exactly one grantee: the team, person or repository parameter (got {count})")


class NamespaceNotFound(DomainError):
    status, slug, title = 404, "namespace-not-found", "Namespace not found"


class NamespaceExists(DomainError):
    status, slug, title = 409, "namespace-exists", "Namespace already exists"


class ModelChanged(DomainError):
    status, slug, title = 409, "model-changed", "Model kept changing while this request ran"


class NamespaceChanged(DomainError):
    status, slug, title = 409, "namespace-changed", "Namespace changed since it was read"


class NamespaceNotEmpty(DomainError):
    status, slug, title = 409, "namespace-not-empty", "Namespace still holds models"


class NamespaceGrantsTooMany(DomainError):
    status, slug, title = 409, "namespace-grants-too-many", "Namespace holds too many role grants to delete at once"


class LastOwner(DomainError):
    status, slug, title = 409, "last-owner", "Cannot remove the last owner"


class OwnerNotFound(DomainError):
    status, slug, title = 404, "owner-not-found", "Not an owner"


class TooManyOwners(DomainError):
    status, slug, title = 409, "too-many-owners", "Too many owners"
