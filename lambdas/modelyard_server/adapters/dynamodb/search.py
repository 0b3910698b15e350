"""Search on DynamoDB: each filter's plan, and what a page costs.

Registering a version writes its search keys in the same transaction (``search_keys.py``): one
item per key in partition ``FIND#<key>``, newest first, projecting the facts filters compare.
Moving a stage or alias keeps ``holds`` on the version items and lists the pointer in GSI1 under
``HOLDS#<kind>#<name>`` and in GSI2 under ``POINTERS`` (``pointers.py``). Calls are DynamoDB
requests; n = the page's size (≤ 100). Versions and pointers written before search existed have none
of this until ``search_backfill`` ran: only an exact model's own listing is complete before.

Versions (``search_versions``), ordered by created time:

* An exact ``model`` (with no ``parent`` or ``data_digest``, which are rarer) reads the model's own
  partition, its ``V#`` items, newest (highest number: registration order) first, with ``tags`` and
  ``status`` as a FilterExpression and the rest checked on the items read: 1 Query per page (at
  most ``EVALUATED_PER_PAGE`` versions or 1 MB evaluated), no BatchGetItem. It needs no search keys,
  so a model's listing shows versions registered before search existed.
* Otherwise the query reads ONE partition, the most selective key it names: ``parent`` →
  ``PARENT#<uri>``; ``data_digest``; ``data_version``; ``data_uri``;
  ``workflow``; ``commit`` → its first 7 characters; the first ``tag``; ``framework``; ``format``;
  otherwise ``ALL``. ``created_after`` / ``created_before`` are its sort-key condition; every other
  key-held filter (more tags, metric comparisons, ``model_prefix``, lineage fields) is a
  FilterExpression on the same items.
* A page is 1 Query (at most ``EVALUATED_PER_PAGE`` items evaluated when something is filtered, else
  exactly n) + 1 BatchGetItem of the page's version items, for their current status and the pointers
  they hold. ``status`` is checked on those (it moves; search keys do not), so a page may be short.
  2 calls per page, whatever the registry's size: only the key's own partition is read.
* Bounded, not indexed: ``model_prefix``, metric comparisons and ``status`` alone are filters over
  the ``ALL`` partition (or the chosen key's). Each page still costs 2 calls and evaluates at most
  ``EVALUATED_PER_PAGE`` versions, newest first; a rare match can leave pages empty with a
  ``next_token`` to continue: the scan is bounded per call, never done in one.
* ``stage`` / ``alias``: the holders of that name, one per model, from GSI1 ``HOLDS#<kind>#<name>``
  (key condition on the model name when ``model`` or ``model_prefix`` is given): 1 Query per
  ~1 MB of pointers (thousands of models) + 1 BatchGetItem per 100 holders, filtered and sorted in
  memory. Flat in versions; grows with the number of models holding it (2 calls at 100 models).

Ordered by a metric (the domain allows it for an exact ``model``, or with ``stage``/``alias``): the
whole chosen partition is read (1 Query per ~1 MB of search keys: about 1,000 versions), sorted by
the projected metric, then 1 BatchGetItem for the page. This grows with the versions of that model.

Models (``search_models``), by name:

* ``name_prefix`` is GSI1's key condition (``MODELS`` / ``begins_with``); ``tags`` and ``owner`` are
  checked on the model items read (at most ``EVALUATED_PER_PAGE`` per page, so a page may be short);
  ``holds_stage`` reads GSI1 ``HOLDS#stage#<stage>`` (one item per model holding it) instead, then
  the page's model items (1 BatchGetItem). The stages and aliases of the page's models come from one
  Query of GSI2 ``POINTERS`` over the page's range of names. 2 calls per page (3 with
  ``holds_stage``), flat in models and versions.

Private namespaces the caller may not see (``excluded_namespaces``) are left out where the items are
read: a FilterExpression ``NOT begins_with(model, "ns/")`` on search keys, and a check on the model items
of the page read (GSI1's sort key, the name, cannot be filtered on), each bounded like any other filter;
the records read are checked against it too (``matches``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pynamodb.expressions.condition import Condition

from modelyard_server.adapters.dynamodb.items import (
    MODEL_SK,
    POINTERS_PARTITION,
    DigestIndex,
    ListModelsIndex,
    ModelItem,
    PointerItem,
    RegistryItem,
    SearchKeyItem,
    VersionItem,
    holds_partition,
    model_pk,
    version_sk,
)
from modelyard_server.adapters.dynamodb.models import model_record
from modelyard_server.adapters.dynamodb.pages import GSI1_KEYS
from modelyard_server.adapters.dynamodb.search_filters import choose_key, created_range, key_filter, matches
from modelyard_server.adapters.dynamodb.search_keys import created_key, find_pk
from modelyard_server.adapters.dynamodb.search_tokens import encode, sort_position, start_key
from modelyard_server.adapters.dynamodb.versions import status_condition, version_record
from modelyard_server.domain.names import namespace_of
from modelyard_server.ports.records import Page, PointerKind
from modelyard_server.ports.search import ModelMatch, ModelQuery, VersionMatch, VersionOrder, VersionQuery

EVALUATED_PER_PAGE = 500  # items one Query may evaluate for a filtered page (about 0.5 MB of search keys)

SortKey = tuple[Any, str, int]


def _batch_get(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], RegistryItem]:
    """One BatchGetItem per 100 keys (more only when DynamoDB returns unprocessed keys)."""
    wanted = set(keys)
    if not wanted:
        return {}
    return {(item.pk, item.sk): item for item in RegistryItem.batch_get(wanted)}


def _held_names(item: VersionItem, kind: str) -> tuple[str, ...]:
    prefix = f"{kind}:"
    return tuple(sorted(held[len(prefix) :] for held in item.holds or () if held.startswith(prefix)))


def _gsi_key(item: RegistryItem) -> dict[str, Any]:
    """The start key DynamoDB would give after `item` in a GSI1 query."""
    keys = {"PK": item.pk, "SK": item.sk, "GSI1PK": item.gsi1pk or "", "GSI1SK": item.gsi1sk or ""}
    return {name: {"S": value} for name, value in keys.items()}


def _first_page(result: Any) -> tuple[list[RegistryItem], dict[str, Any] | None]:
    page = next(iter(result.page_iter), None)
    if page is None:
        return [], None
    return [RegistryItem.from_raw_data(raw) for raw in page.get("Items", [])], page.get("LastEvaluatedKey")


def _after(entries: list[tuple[SortKey, Any]], order: VersionOrder, position: list[Any] | None) -> list[Any]:
    """`entries` in the query's order, from just after `position` (the last answer of the page before)."""
    entries.sort(key=lambda entry: entry[0], reverse=order.descending)
    if position is None:
        return entries
    mark = (position[0], position[1], position[2])
    return [e for e in entries if (e[0] < mark if order.descending else e[0] > mark)]


class DynamoSearchStore:
    # ------------------------------------------------------------------------------------ versions

    def search_versions(self, query: VersionQuery, limit: int, token: str | None) -> Page[VersionMatch]:
        after, before = query.created_after, query.created_before
        if after is not None and before is not None and after >= before:
            return Page([], None)  # an empty window (DynamoDB refuses a BETWEEN whose bounds are inverted)
        if query.stage or query.alias:
            return self._among_holders(query, limit, token)
        if query.order.by == "metric":
            return self._by_metric(query, limit, token)
        if choose_key(query).served == "model":
            return self._in_model_partition(query, limit, token)
        return self._by_search_key(query, limit, token)

    def _in_model_partition(self, query: VersionQuery, limit: int, token: str | None) -> Page[VersionMatch]:
        """An exact model's versions from its own partition, newest (highest number) first: one Query.

        Read where the versions themselves are (not their search keys), so a model's listing shows every
        version it has, even those registered before search keys existed."""
        partition = model_pk(query.model or "")
        parts = [VersionItem.tags[key] == value for key, value in query.tags]
        if query.status:
            parts.append(status_condition(query.status))
        condition: Condition | None = None
        for part in parts:
            condition = part if condition is None else condition & part
        everything_else = replace(query, model=None, tags=(), status=None, order=VersionOrder()) != VersionQuery()
        result = RegistryItem.query(
            partition,
            RegistryItem.sk.startswith("V#"),
            filter_condition=condition,
            scan_index_forward=not query.order.descending,
            page_size=EVALUATED_PER_PAGE if condition is not None or everything_else else limit,
            last_evaluated_key=start_key(query, token, partition),
        )
        items, last_key = _first_page(result)
        chosen = [
            item
            for item in items
            if isinstance(item, VersionItem) and matches(version_record(item), set(item.holds or ()), query)
        ]
        if len(chosen) > limit:  # more matched than a page holds: continue after the last shown
            chosen = chosen[:limit]
            last_key = {"PK": {"S": partition}, "SK": {"S": chosen[-1].sk}}
        return Page([self._match(item) for item in chosen], encode(query, last_key))

    def _by_search_key(self, query: VersionQuery, limit: int, token: str | None) -> Page[VersionMatch]:
        choice = choose_key(query)
        partition = find_pk(choice.key)
        condition = key_filter(query, choice)
        result = RegistryItem.query(
            partition,
            created_range(query),
            filter_condition=condition,
            scan_index_forward=not query.order.descending,
            page_size=EVALUATED_PER_PAGE if condition is not None else limit,
            last_evaluated_key=start_key(query, token, partition),
        )
        items, last_key = _first_page(result)
        keys = [item for item in items if isinstance(item, SearchKeyItem)]
        if len(keys) > limit:  # the filter let more through than a page holds: continue after the last shown
            keys = keys[:limit]
            last_key = {"PK": {"S": partition}, "SK": {"S": keys[-1].sk}}
        found = self._versions([(key.model, int(key.version)) for key in keys], query)
        return Page(found, encode(query, last_key))

    def _by_metric(self, query: VersionQuery, limit: int, token: str | None) -> Page[VersionMatch]:
        metric = query.order.metric or ""
        choice = choose_key(query)
        every = RegistryItem.query(
            find_pk(choice.key), created_range(query), filter_condition=key_filter(query, choice)
        )
        keys = [item for item in every if isinstance(item, SearchKeyItem)]
        values = {(key.model, int(key.version)): key.metrics.as_dict().get(metric) for key in keys}
        partial = [(key.model, int(key.version)) for key in keys if key.partial]
        if partial:  # keys too large to carry metrics: read those versions (rare: 1 BatchGetItem per 100)
            for item in _batch_get((model_pk(model), version_sk(number)) for model, number in partial).values():
                if isinstance(item, VersionItem):
                    values[(item.record["model"], int(item.record["version"]))] = item.record["metrics"].get(metric)
        entries: list[tuple[SortKey, Any]] = [
            ((float(value), model, number), (model, number))
            for (model, number), value in values.items()
            if value is not None
        ]
        ordered = _after(entries, query.order, sort_position(query, token))
        page = ordered[:limit]
        position = list(page[-1][0]) if len(ordered) > limit else None
        found = self._versions([wanted for _, wanted in page], query)
        return Page(found, encode(query, position))

    def _among_holders(self, query: VersionQuery, limit: int, token: str | None) -> Page[VersionMatch]:
        kind: PointerKind = "stage" if query.stage else "alias"
        name = query.stage or query.alias or ""
        index = RegistryItem.list_models_index
        names: Condition | None
        if query.model:
            names = ListModelsIndex.gsi1sk == query.model
        elif query.model_prefix:
            names = ListModelsIndex.gsi1sk.startswith(query.model_prefix)
        else:
            names = None
        holders = [
            (item.gsi1sk or "", int(item.version))
            for item in index.query(holds_partition(kind, name), names)
            if isinstance(item, PointerItem) and item.version is not None
        ]
        stored = _batch_get((model_pk(model), version_sk(number)) for model, number in holders)
        entries: list[tuple[SortKey, Any]] = []
        for item in stored.values():
            if not isinstance(item, VersionItem):
                continue
            record = version_record(item)
            if not matches(record, set(item.holds or ()), query):
                continue
            if query.order.by == "metric":
                value = record.metrics.get(query.order.metric or "")
                if value is None:
                    continue
                entries.append(((value, record.model, record.version), item))
            else:
                entries.append(((created_key(record.created_at), record.model, record.version), item))
        ordered = _after(entries, query.order, sort_position(query, token))
        page = ordered[:limit]
        position = list(page[-1][0]) if len(ordered) > limit else None
        return Page([self._match(item) for _, item in page], encode(query, position))

    def _versions(self, wanted: list[tuple[str, int]], query: VersionQuery) -> list[VersionMatch]:
        """The page's version items (1 BatchGetItem), in `wanted`'s order, that still match `query`."""
        stored = _batch_get((model_pk(model), version_sk(number)) for model, number in wanted)
        found = []
        for model, number in wanted:
            item = stored.get((model_pk(model), version_sk(number)))
            if isinstance(item, VersionItem) and matches(version_record(item), set(item.holds or ()), query):
                found.append(self._match(item))
        return found

    @staticmethod
    def _match(item: VersionItem) -> VersionMatch:
        return VersionMatch(version_record(item), _held_names(item, "stage"), _held_names(item, "alias"))

    # -------------------------------------------------------------------------------------- models

    def search_models(self, query: ModelQuery, limit: int, token: str | None) -> Page[ModelMatch]:
        index = RegistryItem.list_models_index
        names: Condition | None = ListModelsIndex.gsi1sk.startswith(query.name_prefix) if query.name_prefix else None
        if query.holds_stage:
            partition = holds_partition("stage", query.holds_stage)
            result = index.query(
                partition, names, page_size=limit, last_evaluated_key=start_key(query, token, partition, GSI1_KEYS)
            )
            holders, last_key = _first_page(result)
            wanted = [item.gsi1sk or "" for item in holders if isinstance(item, PointerItem)]
            stored = _batch_get((model_pk(name), MODEL_SK) for name in wanted)
            candidates = [stored[key] for name in wanted if (key := (model_pk(name), MODEL_SK)) in stored]
        else:
            partition = "MODELS"
            result = index.query(
                partition,
                names,
                page_size=EVALUATED_PER_PAGE if query.tags or query.owner or query.excluded_namespaces else limit,
                last_evaluated_key=start_key(query, token, partition, GSI1_KEYS),
            )
            candidates, last_key = _first_page(result)
        chosen = [item for item in candidates if isinstance(item, ModelItem) and _model_matches(item, query)]
        if len(chosen) > limit:
            chosen = chosen[:limit]
            last_key = _gsi_key(chosen[-1])
        return Page(_with_pointers(chosen), encode(query, last_key))


def _model_matches(item: ModelItem, query: ModelQuery) -> bool:
    tags = item.record.get("tags") or {}
    owners = item.record.get("owners") or []
    return (
        all(tags.get(key) == value for key, value in query.tags)
        and (query.owner is None or query.owner in owners)
        and namespace_of(str(item.record.get("name") or "")) not in query.excluded_namespaces
    )


def _with_pointers(models: list[ModelItem]) -> list[ModelMatch]:
    """Each model with the stages and aliases it holds: one Query of GSI2 ``POINTERS`` over the page's range
    of names (more only past 1 MB of pointers; names in the range the page left out are read and dropped)."""
    names = sorted(str(item.record["name"]) for item in models)
    if not names:
        return []
    # "#" ends a model's name in the sort key and "$" is the next character: the range holds exactly the
    # pointers of the models from the first name to the last.
    in_range = DigestIndex.gsi2sk.between(f"{names[0]}#", f"{names[-1]}$")
    held: dict[str, list[PointerItem]] = {name: [] for name in names}
    for item in RegistryItem.digest_index.query(POINTERS_PARTITION, in_range):
        if isinstance(item, PointerItem) and item.version is not None and item.pk[len("MODEL#") :] in held:
            held[item.pk[len("MODEL#") :]].append(item)
    found = []
    for item in models:
        record = model_record(item, held[str(item.record["name"])])
        found.append(ModelMatch(record, sorted((stage, state.version) for stage, state in record.stages.items())))
    return found
