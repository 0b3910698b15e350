"""Sessions signed out before they expired, in the registry table.

=====================================  ===========================================================
key (PK / SK)                          item
=====================================  ===========================================================
``SESSION#<jti>`` / ``#REVOKED``       one signed-out session (TTL ``expires_at``)
=====================================  ===========================================================

A partition per session: checking one is a GetItem on its own key, and sign-outs never meet on a hot key.
The item expires with the table's TTL (``expires_at``, the template's TimeToLiveSpecification) once the
session's token is refused anyway; the API function deletes nothing (its IAM policy has no DeleteItem).
"""

from __future__ import annotations

from modelyard_server.adapters.dynamodb.items import RevokedSessionItem
from modelyard_server.domain.clock import now

REVOKED_SK = "#REVOKED"


def _partition(session_id: str) -> str:
    return f"SESSION#{session_id}"


class DynamoSessionRevocations:
    def revoke_session(self, session_id: str, until: int) -> None:
        # an unconditional put: revoking twice writes the same item again
        RevokedSessionItem(_partition(session_id), REVOKED_SK, expires_at=until).save()

    def session_revoked(self, session_id: str) -> bool:
        try:
            # strongly consistent: a sign-out answered a moment ago in another container holds here already
            item = RevokedSessionItem.get(_partition(session_id), REVOKED_SK, consistent_read=True)
        except RevokedSessionItem.DoesNotExist:
            return False
        return int(item.expires_at) >= int(now().timestamp())  # lapsed is lapsed, however late TTL deletes it
