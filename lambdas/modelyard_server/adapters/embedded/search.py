"""Search on the embedded registry: each page walks one index in the page's order, reading at most
SCAN_BUDGET of its entries, and checks every other filter on those entries by primary key.

Versions, ordered by (created, model, number) (descending unless asked otherwise). The index walked
(the "driver") is the first that applies of:

* ``parent``        version_parents (parent, created_us, model, number): the parent's descendants only.
* ``stage``/``alias`` pointers_by_name (kind, name, model) joined to the holder: one row per model holding
  it, sorted by creation (bounded by the number of models; with ``model``, one row by primary key).
* ``data_digest``, ``commit``, ``data_version``, ``data_uri``, ``workflow``: the versions index on that
  column (column, created_us, model, number). A commit prefix is a range of that index, sorted.
* ``tag`` (the first)  version_tags_by_model_created (model, key, value, created_us, number) with
  ``model``, else version_tags_across (key, value, created_us, model, number).
* ``model``         versions_by_model_created (model, created_us, number).
* ``framework``, ``format``: versions_by_framework / versions_by_format.
* otherwise         versions_by_created (created_us, model, number); ``created_after``/``created_before``
  bound every created-ordered walk as a range of its index.

Ordered by a metric (the domain requires an exact ``model``): version_metrics_by_value
(model, name, value, number), ties by number in the same direction.

The other filters are checked per entry walked: further tags (version_tags primary key), metric
conditions (version_metrics primary key), stage/alias held (pointers primary key), status, model
prefix and the lineage columns (the version's own row). A page costs two statements on one snapshot:
the position of the budget's last entry (an index-only read of at most SCAN_BUDGET entries), then the
walk up to it in index order, which stops at the page's `limit + 1`-th match. When the budget runs out
first the page is short and its token continues after the last entry read, so a page's cost stays flat
however large the registry and however rare the matches (tests/perf/test_embedded_search.py prints
it). The pointers holding each match come from the pointers primary key.

Models, ordered by name: holds ``stage`` walks pointers_by_name (kind='stage', name, model), a name
prefix walks the models primary key from the prefix, otherwise the whole primary key; tags and owner
are checked in each walked model's record (json_each), with the same budget per page.

Private namespaces the caller may not see (``excluded_namespaces``) are one more per-entry check of both
walks (the model name does not start with ``ns/``): their models are never matched, so pages are full.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from modelyard_server.adapters.embedded.codec import epoch, to_json
from modelyard_server.adapters.embedded.database import Clock, Database
from modelyard_server.adapters.embedded.models import model_record
from modelyard_server.adapters.embedded.paging import MAX_POSITION, decode_token, encode_token, position_as_str
from modelyard_server.adapters.embedded.pointers import pointer_record
from modelyard_server.adapters.embedded.search_index import micros
from modelyard_server.adapters.embedded.versions import STATUS_CONDITIONS, VERSION_JSON, version_record
from modelyard_server.domain.version_records import ABANDON_GRACE
from modelyard_server.ports.records import BadPageToken, Page
from modelyard_server.ports.search import ModelMatch, ModelQuery, VersionMatch, VersionQuery

SCAN_BUDGET = 1000  # index entries one page reads at most
CREATED_KEYS = ("d.created_us", "d.model", "d.number")
OPERATORS = {"<": "<", "<=": "<=", "=": "=", ">=": ">=", ">": ">", "!=": "<>"}
MODEL_POINTERS = (
    "(SELECT json_group_array(json_array(p.record, p.revision, p.version)) FROM pointers AS p WHERE p.model = m.name)"
)
# "stage production", "alias champion"... joined by a unit separator (no pointer name holds one); NULL if none
HOLDERS = "(SELECT group_concat(p.kind || ' ' || p.name, char(31)) FROM pointers AS p WHERE p.model = v.model AND p.version = v.number)"  # noqa: E501


@dataclass(frozen=True)
class Driver:
    """The index a page walks: `table` names its rows `d` (with d.model, d.number), `where` selects them;
    `keys` order it and are the page position (with a fixed model, the model need not be one of them)."""

    table: str
    where: str
    keys: tuple[str, ...] = CREATED_KEYS


def _listing(query: object) -> str:
    """Tokens are bound to the query that issued them: another query's token is refused."""
    return "search/" + hashlib.sha256(repr(query).encode()).hexdigest()[:20]


def _position(token: str | None, listing: str, width: int) -> list[Any] | None:
    text = position_as_str(decode_token(token, listing))
    if text is None:
        return None
    try:
        position: Any = json.loads(text)
    except ValueError as error:
        raise BadPageToken("next_token is not a token this API issued") from error
    valid = isinstance(position, list) and len(position) == width
    if not valid or not all(_storable(p) for p in position):
        raise BadPageToken("next_token is not a token this API issued")
    return list(position)


def _storable(value: Any) -> bool:
    """A position value SQLite can compare: text, a float, or an integer that fits its 64 bits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= MAX_POSITION
    return isinstance(value, float | str)


def _version_driver(query: VersionQuery, params: dict[str, Any]) -> Driver:
    """The index this query walks (see the module docstring); with a fixed model, only that model's entries."""
    if query.order.by == "metric":
        if query.model is None:
            raise ValueError("ordering by a metric needs an exact model (the domain refuses it without one)")
        return Driver("version_metrics AS d", "d.model = :model AND d.name = :order_metric", ("d.value", "d.number"))
    table, where = _created_ordered_source(query, params)
    if query.model is None:
        return Driver(table, where)
    # The model is fixed: SQLite takes the index that leads with it where there is one, and positions need not
    # carry it.
    return Driver(table, where + " AND d.model = :model", ("d.created_us", "d.number"))


def _created_ordered_source(query: VersionQuery, params: dict[str, Any]) -> tuple[str, str]:
    if query.parent is not None:
        return "version_parents AS d", "d.parent = :parent"
    for kind, name in (("stage", query.stage), ("alias", query.alias)):
        if name is not None:
            pointers = "pointers AS p JOIN versions AS d ON d.model = p.model AND d.number = p.version"
            return pointers, f"p.kind = '{kind}' AND p.name = :{kind}"
    if query.data_digest is not None:
        return "versions AS d", "d.data_digest = :data_digest"
    if query.commit is not None:
        params["commit_end"] = query.commit + "g"  # past every hex digit: the prefix's range
        return "versions AS d", "d.commit_sha >= :commit AND d.commit_sha < :commit_end"
    for field in ("data_version", "data_uri", "workflow"):
        if getattr(query, field) is not None:
            return "versions AS d", f"d.{field} = :{field}"
    if query.tags:
        return "version_tags AS d", "d.key = :tag_key0 AND d.value = :tag_value0"
    if query.model is not None:
        return "versions AS d", "1"  # with the model condition: versions_by_model_created
    for field in ("framework", "format"):
        if getattr(query, field) is not None:
            return "versions AS d", f"d.{field} = :{field}"
    return "versions AS d", "1"


def _outside(namespaces: tuple[str, ...], column: str, params: dict[str, Any]) -> list[str]:
    """Conditions leaving out the models of these namespaces (names `ns/...`), on the row being read."""
    conditions = []
    for i, namespace in enumerate(namespaces):
        params[f"hidden{i}"] = namespace + "/"
        conditions.append(f"substr({column}, 1, length(:hidden{i})) <> :hidden{i}")
    return conditions


def _version_filters(query: VersionQuery, params: dict[str, Any]) -> list[str]:
    """Every filter, as conditions on the version `v` (each a lookup by primary key or on v's row)."""
    conditions: list[str] = []
    for field in ("model", "framework", "format", "data_uri", "data_version", "data_digest", "workflow"):
        if getattr(query, field) is not None:
            params[field] = getattr(query, field)
            conditions.append(f"v.{field} = :{field}")
    if query.model_prefix is not None:
        params["model_prefix"] = query.model_prefix
        conditions.append("substr(v.model, 1, length(:model_prefix)) = :model_prefix")
    conditions += _outside(query.excluded_namespaces, "v.model", params)
    if query.commit is not None:
        params["commit"] = query.commit
        conditions.append("substr(v.commit_sha, 1, length(:commit)) = :commit")
    for i, (key, value) in enumerate(query.tags):
        params[f"tag_key{i}"], params[f"tag_value{i}"] = key, value
        conditions.append(
            f"EXISTS (SELECT 1 FROM version_tags AS t WHERE t.model = v.model AND t.key = :tag_key{i} "  # noqa: S608 (constant fragments; values are bound)
            f"AND t.value = :tag_value{i} AND t.number = v.number)"
        )
    for i, condition in enumerate(query.metrics):
        params[f"metric{i}"], params[f"metric_value{i}"] = condition.metric, condition.value
        conditions.append(
            "EXISTS (SELECT 1 FROM version_metrics AS m WHERE m.model = v.model AND m.number = v.number "  # noqa: S608 (constant fragments; values are bound)
            f"AND m.name = :metric{i} AND m.value {OPERATORS[condition.op]} :metric_value{i})"
        )
    for kind, name in (("stage", query.stage), ("alias", query.alias)):
        if name is not None:
            params[kind] = name
            conditions.append(
                f"EXISTS (SELECT 1 FROM pointers AS p WHERE p.model = v.model AND p.kind = '{kind}' "  # noqa: S608 (constant fragments; values are bound)
                f"AND p.name = :{kind} AND p.version = v.number)"
            )
    if query.parent is not None:
        params["parent"] = query.parent
        conditions.append(
            "EXISTS (SELECT 1 FROM version_parents AS vp WHERE vp.parent = :parent "
            "AND vp.created_us = v.created_us AND vp.model = v.model AND vp.number = v.number)"
        )
    if query.status is not None:
        params["status"] = query.status
        conditions.append(STATUS_CONDITIONS.get(query.status, "v.status = :status"))
    return conditions


def _created_range(query: VersionQuery, driver: Driver, params: dict[str, Any]) -> list[str]:
    """created_after/before as conditions on the walked index (a range of it when it is created-ordered)."""
    column = "d.created_us" if driver.keys[0] == "d.created_us" else None
    conditions: list[str] = []
    if query.created_after is not None:
        params["created_after"] = micros(query.created_after)
        conditions.append(f"{column or 'v.created_us'} >= :created_after")
    if query.created_before is not None:
        params["created_before"] = micros(query.created_before)
        conditions.append(f"{column or 'v.created_us'} < :created_before")
    return conditions


def _after(keys: tuple[str, ...], position: list[Any] | None, descending: bool, params: dict[str, Any]) -> str:
    if position is None:
        return "1"
    for i, value in enumerate(position):
        params[f"after{i}"] = value
    placeholders = ", ".join(f":after{i}" for i in range(len(keys)))
    return f"({', '.join(keys)}) {'<' if descending else '>'} ({placeholders})"


@dataclass(frozen=True)
class _PageRows:
    rows: list[Any]  # each: the walk's keys, then what was selected
    next_position: list[Any] | None


def _read_page(
    connection: Any,
    driver: Driver,
    walk: list[str],
    select: str,
    filters: list[str],
    limit: int,
    params: dict[str, Any],
    descending: bool,
) -> _PageRows:
    """The first `limit` matches of the walk, reading at most SCAN_BUDGET of its index entries.

    First the last entry the budget allows (an index-only read); then the matches up to it, in index
    order, so the walk streams and stops at the `limit + 1`-th match."""
    keys = ", ".join(driver.keys)
    order = ", ".join(f"{key} {'DESC' if descending else 'ASC'}" for key in driver.keys)
    end = connection.execute(
        f"SELECT {keys} FROM {driver.table} WHERE {' AND '.join(walk)} "  # noqa: S608 (constant fragments)
        f"ORDER BY {order} LIMIT 1 OFFSET {SCAN_BUDGET - 1}",
        params,
    ).fetchone()
    conditions = [*walk, *filters]
    if end is not None:
        params.update({f"end{i}": value for i, value in enumerate(end)})
        placeholders = ", ".join(f":end{i}" for i in range(len(driver.keys)))
        conditions.append(f"({keys}) {'>=' if descending else '<='} ({placeholders})")
    rows = connection.execute(
        f"SELECT {keys}, {select} WHERE {' AND '.join(conditions)} ORDER BY {order} LIMIT {max(limit, 1) + 1}",
        params,
    ).fetchall()
    width, kept = len(driver.keys), max(limit, 1)
    if len(rows) > kept:
        return _PageRows(rows[:kept], list(rows[kept - 1][:width]))
    return _PageRows(rows, list(end) if end is not None else None)


class EmbeddedSearch:
    def __init__(self, db: Database, now: Clock) -> None:
        self._db = db
        self._now = now

    def search_versions(self, query: VersionQuery, limit: int, token: str | None) -> Page[VersionMatch]:
        params: dict[str, Any] = {"cutoff": epoch(self._now() - ABANDON_GRACE), "order_metric": query.order.metric}
        filters = _version_filters(query, params)
        driver = _version_driver(query, params)
        listing = _listing(query)
        position = _position(token, listing, len(driver.keys))
        descending = query.order.descending
        walk = [driver.where, _after(driver.keys, position, descending, params)]
        created_range = _created_range(query, driver, params)
        (walk if driver.keys[0] == "d.created_us" else filters).extend(created_range)
        select = (
            f"{VERSION_JSON}, {HOLDERS} FROM {driver.table} "
            "JOIN versions AS v ON v.model = d.model AND v.number = d.number"
        )
        with self._db.read() as connection:
            page = _read_page(connection, driver, walk, select, filters, limit, params, descending)
        width = len(driver.keys)
        items = [_version_match(row[width], row[width + 1]) for row in page.rows]
        return Page(items, _token(listing, page.next_position))

    def search_models(self, query: ModelQuery, limit: int, token: str | None) -> Page[ModelMatch]:
        params: dict[str, Any] = {}
        listing = _listing(query)
        if query.holds_stage is not None:
            params["stage"] = query.holds_stage
            driver = Driver(
                "pointers AS d", "d.kind = 'stage' AND d.name = :stage AND d.version IS NOT NULL", ("d.model",)
            )
        else:
            driver = Driver("models AS d", "1", ("d.name",))
        walk = [driver.where, _after(driver.keys, _position(token, listing, 1), False, params)]
        if query.name_prefix is not None:
            params["prefix"], params["prefix_end"] = query.name_prefix, query.name_prefix + "~"  # '~' sorts last
            walk.append(f"{driver.keys[0]} >= :prefix AND {driver.keys[0]} < :prefix_end")
        filters = []
        for i, (key, value) in enumerate(query.tags):
            params[f"tag_key{i}"], params[f"tag_value{i}"] = key, value
            filters.append(
                f"EXISTS (SELECT 1 FROM json_each(m.record, '$.tags') AS t WHERE t.key = :tag_key{i} "  # noqa: S608
                f"AND t.value = :tag_value{i} AND t.type = 'text')"
            )
        if query.owner is not None:
            params["owner"] = query.owner
            filters.append("EXISTS (SELECT 1 FROM json_each(m.record, '$.owners') AS o WHERE o.value = :owner)")
        filters += _outside(query.excluded_namespaces, "m.name", params)
        joined = f"{driver.table} JOIN models AS m ON m.name = {driver.keys[0]}"
        select = f"m.record, m.latest_version, {MODEL_POINTERS} FROM {joined}"
        with self._db.read() as connection:
            page = _read_page(connection, driver, walk, select, filters, limit, params, False)
        items = [_model_match(row[1], row[2], row[3]) for row in page.rows]
        return Page(items, _token(listing, page.next_position))


def _token(listing: str, position: list[Any] | None) -> str | None:
    return None if position is None else encode_token(listing, to_json(position))


def _version_match(document: str, holders: str | None) -> VersionMatch:
    held = [entry.split(" ", 1) for entry in holders.split("\x1f")] if holders else []
    return VersionMatch(
        version=version_record(document),
        stages=tuple(sorted(name for kind, name in held if kind == "stage")),
        aliases=tuple(sorted(name for kind, name in held if kind == "alias")),
    )


def _model_match(record: str, latest_version: int, pointers: str) -> ModelMatch:
    model = model_record(record, latest_version, [pointer_record(*row) for row in json.loads(pointers)])
    stages = sorted((name, state.version) for name, state in model.stages.items())
    return ModelMatch(model=model, stage_versions=stages)
