"""Give versions and pointers written before search existed what search reads.

``python -m modelyard_server.adapters.dynamodb.search_backfill`` (settings from the environment, as
every entry point: ``MODELYARD_TABLE``, the operator's AWS credentials; it needs Scan, BatchWriteItem
and TransactWriteItems on the table). Run it once after deploying search; running it again changes
nothing. It scans the table once (the one scan in the registry, paid once, never per request):

* each version gets its search keys (the same items registration writes now; rewriting them is
  harmless, they are immutable);
* each pointer holding a version is listed in GSI1 under its holders and in GSI2 with its model's
  pointers, and its version lists it in
  ``holds``, in one transaction conditioned on the pointer's revision, so a pointer moved meanwhile
  (which the new code already recorded) is left as it is.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from modelyard_server.adapters.dynamodb.items import (
    POINTERS_PARTITION,
    PointerItem,
    RegistryItem,
    VersionItem,
    bind,
    holds_partition,
    pointers_sort_key,
    version_sk,
)
from modelyard_server.adapters.dynamodb.search_keys import search_key_items
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction
from modelyard_server.adapters.dynamodb.versions import version_record
from modelyard_server.ports.records import ConditionFailed


@dataclass
class Backfilled:
    versions: int = 0
    search_keys: int = 0
    pointers: int = 0
    pointers_moved_meanwhile: int = 0


def _record_holder(pointer: PointerItem) -> bool:
    """List the pointer with its holders and on its version, unless it moved since it was read."""
    kind, name, model = pointer.record["kind"], pointer.record["name"], pointer.pk.split("#", 1)[1]
    transaction = LabelledTransaction()
    transaction.update(
        "pointer",
        PointerItem(pointer.pk, pointer.sk),
        [
            RegistryItem.gsi1pk.set(holds_partition(kind, name)),
            RegistryItem.gsi1sk.set(model),
            RegistryItem.gsi2pk.set(POINTERS_PARTITION),
            RegistryItem.gsi2sk.set(pointers_sort_key(model, kind, name)),
        ],
        PointerItem.revision == pointer.revision,
    )
    transaction.update(
        "version",
        VersionItem(pointer.pk, version_sk(int(pointer.version or 0))),
        [VersionItem.holds.add({f"{kind}:{name}"})],
        RegistryItem.sk.exists(),
    )
    try:
        transaction.commit()
    except ConditionFailed:
        return False
    return True


def backfill_search() -> Backfilled:
    done = Backfilled()
    with RegistryItem.batch_write() as batch:
        for item in RegistryItem.scan():
            if isinstance(item, VersionItem):
                keys = search_key_items(version_record(item))
                for key in keys:
                    batch.save(key)
                done.versions += 1
                done.search_keys += len(keys)
            elif isinstance(item, PointerItem) and item.version is not None:
                if _record_holder(item):
                    done.pointers += 1
                else:
                    done.pointers_moved_meanwhile += 1
    return done


def main() -> int:
    from modelyard_server.settings import get_settings

    bind(get_settings().table_name)
    done = backfill_search()
    print(
        f"{done.versions} versions ({done.search_keys} search keys), {done.pointers} pointers recorded as holders"
        f" ({done.pointers_moved_meanwhile} moved meanwhile, already recorded by the new code)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
