"""Changing a model's own record (description, tags, owners) without losing a change made at the same time.

Each change is computed from the model as read and written on the condition that the model is still at the
revision it was read at. When another change got in between, the change is computed again from the model as
it is now (the changes are idempotent: an owner added again, a description set again) and written on that
revision; after a few such rounds the caller gets a 409 rather than a change computed from stale data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from modelyard_server.domain.errors import ModelChanged, ModelNotFound
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.model_records import ModelRecord
from modelyard_server.ports import backend
from modelyard_server.ports.records import ConditionFailed

MAX_CHANGE_ATTEMPTS = 3


@dataclass(frozen=True)
class ModelChange:
    """The model as it should be after the change, its event, and its governance event (if it is one)."""

    model: ModelRecord
    event: EventRecord
    audit: EventRecord | None = None


# Given the model as it is, the change to make (None: nothing to change); raises when the change is refused.
ChangeOf = Callable[[ModelRecord], ModelChange | None]


def change_model(model: ModelRecord, change_of: ChangeOf) -> None:
    """Apply `change_of` to `model` (as just read), re-reading and re-applying if the model moved meanwhile."""
    for _ in range(MAX_CHANGE_ATTEMPTS):
        change = change_of(model)
        if change is None:
            return
        updated = change.model.model_copy(update={"revision": model.revision + 1})
        try:
            backend().models.update_model_with_event(updated, model.revision, change.event, change.audit)
        except ConditionFailed as lost:
            fresh = backend().models.get_model(model.name, consistent=True)
            if fresh is None:
                raise ModelNotFound(f"there is no model '{model.name}'") from lost
            model = fresh  # changed by someone else since it was read: apply the change to what is there now
            continue
        return
    raise ModelChanged(
        f"model '{model.name}' changed {MAX_CHANGE_ATTEMPTS} times while this request ran: read it again and retry"
    )
