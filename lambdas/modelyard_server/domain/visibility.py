"""Who can see which models: the one place that decides. A model in a private namespace exists only for the
namespace's members (and registry admins); to everyone else it is exactly a model that does not exist.

Two questions, each answered with at most ONE storage read whatever the number of versions involved:

* :func:`require_visible` — a request names models (a path's name, `uri=`, `base=`/`head=`): a hidden one
  raises the very 404 a missing model raises. One read of the named namespace (or of the namespace list when
  a request names models of several), none when no name has a namespace or the caller is an admin.
* :func:`hidden_namespaces` — a listing (search, models, lineage): the private namespaces the caller may not
  see, one read of the namespace list (none for an admin). Searches hand them to the store, which leaves
  their models out of what it reads (see the search port), so pages are not thinned after the fact.
"""

from __future__ import annotations

from collections.abc import Iterable

from modelyard_server.domain.errors import ModelNotFound
from modelyard_server.domain.names import namespace_of
from modelyard_server.domain.namespace_members import is_member
from modelyard_server.domain.principal import Principal, is_admin
from modelyard_server.ports import backend


def missing_model(name: str) -> ModelNotFound:
    """The error of a model that does not exist: what every route answers for one (and for a hidden one)."""
    return ModelNotFound(f"there is no model '{name}'")


def hidden_namespaces(principal: Principal) -> tuple[str, ...]:
    """The private namespaces whose models `principal` may not see, sorted (one read; none for an admin)."""
    if is_admin(principal):
        return ()
    return tuple(
        sorted(
            namespace.name
            for namespace in backend().namespaces.list_namespaces()
            if namespace.private and not is_member(principal, namespace)
        )
    )


def is_hidden(model_name: str, hidden: tuple[str, ...]) -> bool:
    return namespace_of(model_name) in hidden


def require_visible(principal: Principal, model_names: Iterable[str]) -> None:
    """Raise the missing-model 404 for the first of `model_names` the caller may not see."""
    namespaced = [(name, namespace) for name in model_names if (namespace := namespace_of(name)) is not None]
    if not namespaced or is_admin(principal):
        return
    namespaces = {namespace for _, namespace in namespaced}
    if len(namespaces) == 1:
        record = backend().namespaces.get_namespace(namespaces.pop())
        hidden = {record.name} if record is not None and record.private and not is_member(principal, record) else set()
    else:
        hidden = set(hidden_namespaces(principal))
    for name, namespace in namespaced:
        if namespace in hidden:
            raise missing_model(name)
