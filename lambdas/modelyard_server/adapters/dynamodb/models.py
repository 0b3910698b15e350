"""Models in the registry table: the model item, and reading it with its pointers in one Query."""

from __future__ import annotations

from collections.abc import Sequence

from modelyard_server.adapters.dynamodb.governance_trail import governance_event_item
from modelyard_server.adapters.dynamodb.items import (
    MODEL_SK,
    ModelItem,
    PointerItem,
    PolicyItem,
    RegistryItem,
    json_record,
    model_pk,
)
from modelyard_server.adapters.dynamodb.namespaces import count_model_in
from modelyard_server.adapters.dynamodb.pages import GSI1_KEYS, decode_page_token, one_page
from modelyard_server.adapters.dynamodb.pointers import pointer_record
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction, event_item
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.model_records import ModelRecord, PointerState
from modelyard_server.ports.records import LoadedModel, Page


def model_record(item: ModelItem, pointers: Sequence[PointerItem] = ()) -> ModelRecord:
    record = ModelRecord.model_validate({**item.record, "latest_version": int(item.latest_version)})
    for pointer in pointers:
        data = pointer.record
        if pointer.version is None:
            continue
        target = data.get("target") or {}
        state = PointerState(
            version=int(pointer.version),
            updated_at=data["updated_at"],
            updated_by=data["updated_by"],
            metrics=target.get("metrics") or {},
        )
        (record.stages if data["kind"] == "stage" else record.aliases)[data["name"]] = state
    return record


def _stored(model: ModelRecord) -> object:
    return json_record(model.model_copy(update={"stages": {}, "aliases": {}}))  # pointers are items of their own


class DynamoModelStore:
    def load_model(self, name: str) -> LoadedModel | None:
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
        by_key = {(p.record["kind"], p.record["name"]): pointer_record(p) for p in pointers}
        return LoadedModel(
            model=model_record(model, pointers),
            pointers=by_key,
            policy_override=policy.record["document"] if policy is not None else None,
            policy_revision=int(policy.revision) if policy is not None else 0,
        )

    def get_model(self, name: str, *, consistent: bool = False) -> ModelRecord | None:
        try:
            item = ModelItem.get(model_pk(name), MODEL_SK, consistent_read=consistent)
        except ModelItem.DoesNotExist:
            return None
        return model_record(item)

    def list_models(self, limit: int, token: str | None) -> Page[ModelRecord]:
        start = decode_page_token(token, "MODELS", GSI1_KEYS)
        result = RegistryItem.list_models_index.query("MODELS", page_size=limit, last_evaluated_key=start)
        items, next_token = one_page(result)
        return Page([model_record(item) for item in items if isinstance(item, ModelItem)], next_token)

    def create_model_once(self, model: ModelRecord, event: EventRecord, namespace: str | None = None) -> None:
        item = ModelItem(
            model_pk(model.name),
            MODEL_SK,
            gsi1pk="MODELS",
            gsi1sk=model.name,
            record=_stored(model),
            latest_version=0,
            revision=model.revision,
        )
        transaction = LabelledTransaction()
        transaction.put("model", item, RegistryItem.pk.does_not_exist())
        transaction.put("event", event_item(event))
        if namespace is not None:
            count_model_in(transaction, namespace)
        transaction.commit()

    def update_model_with_event(
        self, model: ModelRecord, expected_revision: int, event: EventRecord, audit: EventRecord | None = None
    ) -> None:
        item = ModelItem(model_pk(model.name), MODEL_SK)
        transaction = LabelledTransaction()
        # A condition cannot look inside the JSON record: the revision is guarded in an attribute of its own
        # (absent on a model stored before revisions were kept, which is at revision 0).
        unchanged = ModelItem.revision == expected_revision
        if expected_revision == 0:
            unchanged = unchanged | ModelItem.revision.does_not_exist()
        actions = [ModelItem.record.set(_stored(model)), ModelItem.revision.set(model.revision)]
        transaction.update("model", item, actions, RegistryItem.pk.exists() & unchanged)
        transaction.put("event", event_item(event))
        if audit is not None:
            transaction.put("audit", governance_event_item(audit))
        transaction.commit()
