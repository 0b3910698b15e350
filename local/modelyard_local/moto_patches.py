"""Every patch the local stack applies to moto's DynamoDB, in one call (the tests' moto setups use it too).

* ``moto_atomic``: one DynamoDB request (and stream read) at a time, as DynamoDB applies each atomically.
* ``moto_transactions``: a transaction copies the items it touches, not whole tables (linear, not quadratic).
* ``moto_untracked``: moto stops keeping every item and stream record it ever built.

Each checks moto's source before patching and raises ``MotoInternalsChanged`` on a moto it was not
written for, so a moto upgrade fails at start instead of misbehaving.
"""

from __future__ import annotations

from modelyard_local import moto_transactions, moto_untracked
from modelyard_local.moto_atomic import make_moto_dynamodb_atomic


def patch_moto_dynamodb() -> None:
    """Idempotent."""
    make_moto_dynamodb_atomic()
    moto_transactions.install()
    moto_untracked.install()


def unpatch_moto_dynamodb_speedups() -> None:
    """moto's own transactions and instance tracking again (the lock stays): for before/after benchmarks."""
    moto_transactions.uninstall()
    moto_untracked.uninstall()
