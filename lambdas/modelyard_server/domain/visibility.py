"""Who can see which models: the one place that decides. A model in a private namespace exists only for the
namespace's members (and registry admins); to everyone else it is exactly a model that does not exist.

Two questions, each answered with at most ONE storage read whatever the number of versions involved:

* :func:`require_visible` — a request names models (a path's name, `uri=`, `base=`/`head=`): a hidden one
  raises the very 404 a missing model raises (as does a name in a namespace that does not exist).
* :func:`hidden_namespaces` — a listing (search, models, lineage): the private namespaces the caller may not
  see. Searches hand them to the store, which leaves their models out of what it reads (see the search
  port), so pages are not thinned after the fact.

Both read the namespace list (one read: namespaces are few), once per request, and only when they must: no
read for an admin, nor when the request names no namespaced model and lists nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

from modelyard_server.domain.errors import ModelNotFound
from modelyard_server.domain.names import namespace_of, parse_model_uri
from modelyard_server.domain.namespace_members import is_member
from modelyard_server.domain.principal import Principal
from modelyard_server.ports import backend

if TYPE_CHECKING:  # authentication loads this module at every cold start: the models load with the routes
    from modelyard_server.domain.version_records import VersionRecord

# The last caller's answer, per thread or task: holding the principal itself keeps the identity check exact.
_last_answer: ContextVar[tuple[Principal, tuple[str, ...], frozenset[str]] | None] = ContextVar(
    "hidden_namespaces", default=None
)


def missing_model(name: str) -> ModelNotFound:
    """The error of a model that does not exist: what every route answers for one (and for a hidden one)."""
    return ModelNotFound(f"there is no model '{name}'")


def hidden_namespaces(principal: Principal) -> tuple[str, ...]:
    """The private namespaces whose models `principal` may not see, sorted: one read of the namespace list
    per request (none for an admin). A request authenticates its caller once, so the answer is kept for that
    principal: the route's own listing reuses what authentication read."""
    return _namespaces_seen(principal)[0]


def _namespaces_seen(principal: Principal) -> tuple[tuple[str, ...], frozenset[str] | None]:
    """(the hidden namespaces, every namespace that exists); None for the latter when the caller sees all."""
    from modelyard_server.domain import access  # on use: authentication loads this module at every cold start

    if "admin" in access.bootstrap_roles(principal):
        return (), None
    kept = _last_answer.get()
    if kept is not None and kept[0] is principal:  # the same request (a new one has a new principal)
        return kept[1], kept[2]
    every = backend().namespaces.list_namespaces()
    private = [namespace for namespace in every if namespace.private]
    grants = backend().roles.all_grants() if private else []  # one read for every namespace, only when needed
    hidden = tuple(sorted(namespace.name for namespace in private if not is_member(principal, namespace, grants)))
    existing = frozenset(namespace.name for namespace in every)
    _last_answer.set((principal, hidden, existing))
    return hidden, existing


def is_hidden(model_name: str, hidden: tuple[str, ...]) -> bool:
    return namespace_of(model_name) in hidden


def require_visible(principal: Principal, model_names: Iterable[str]) -> None:
    """Raise the missing-model 404 for the first of `model_names` the caller may not see (no read when none
    has a namespace). A name in a namespace that does not exist is as missing, here too: were it answered
    later, after the route judged its parameters, a bad parameter would tell a private namespace from none."""
    for name in model_names:
        namespace = namespace_of(name)
        if namespace is None:
            continue
        hidden, existing = _namespaces_seen(principal)
        if existing is not None and namespace not in existing:
            raise missing_model(name)
        if namespace in hidden and not _owns(principal, name):
            raise missing_model(name)


def _owns(principal: Principal, name: str) -> bool:
    """Whether the caller is one of the model's owner repositories (by id): an owner an admin or the namespace's
    owners added sees its own model, even in a private namespace it is no member of. One read, and only for a
    caller the namespace hides."""
    from modelyard_server.domain import access  # on use, as above

    model = backend().models.get_model(name)
    return model is not None and access.owns(model, principal)


def parents_named_outside(model_name: str, parents: Iterable[str]) -> list[tuple[str, str]]:
    """(URI, namespace) of each of `parents` in a private namespace other than `model_name`'s. Whoever may read
    the child reads its lineage (its parents, compare, `parent=` searches): naming such a parent from outside
    its namespace would tell outsiders its name. One read of the namespace list, only when a parent is in
    another namespace."""
    own = namespace_of(model_name)
    named = [(uri, namespace_of(uri.removeprefix("models:/").rsplit("/", 1)[0])) for uri in parents]
    foreign = {namespace for _, namespace in named if namespace is not None and namespace != own}
    if not foreign:
        return []
    private = {record.name for record in backend().namespaces.list_namespaces() if record.private}
    return [(uri, namespace) for uri, namespace in named if namespace is not None and namespace in foreign & private]


def visible_parents(parents: list[str], reader: Principal) -> list[str]:
    """`parents` without those in a namespace hidden from `reader` (no read when none is namespaced). A version
    may name a parent whose namespace turned private after it was registered: its name is not for outsiders."""
    named = [(uri, parse_model_uri(uri)) for uri in parents]
    if all(parsed is None or namespace_of(parsed.model) is None for _, parsed in named):
        return parents
    hidden = hidden_namespaces(reader)
    return [uri for uri, parsed in named if parsed is None or not is_hidden(parsed.model, hidden)]


Version = TypeVar("Version", bound="VersionRecord")


def with_visible_lineage(version: Version, reader: Principal) -> Version:
    """`version` as `reader` may read it: its lineage without the parents hidden from them."""
    parents = visible_parents(version.lineage.parents, reader)
    if parents == version.lineage.parents:
        return version
    return version.model_copy(update={"lineage": version.lineage.model_copy(update={"parents": parents})})
