"""The registry's security log: refused writes by callers from outside a model's owners.

=================================  ==================================================================
key (PK / SK)                      item
=================================  ==================================================================
``SECURITY`` / ``E#<ulid>``        one refusal, as an event record (TTL ``expires_at``)
``SECURITY`` / ``Q#<who>#<hour>``  how many refusals of `who` were kept in that hour (TTL)
=================================  ==================================================================

Outsiders cannot write into the model they were refused on, and the per-hour quota bounds how much
any one of them can write here.
"""

from __future__ import annotations

from datetime import timedelta

from pynamodb.exceptions import UpdateError

from modelyard_server.adapters.dynamodb.items import RegistryItem, SecurityEventItem, SecurityQuotaItem, json_record
from modelyard_server.adapters.dynamodb.pages import decode_page_token, one_page
from modelyard_server.adapters.dynamodb.transactions import is_condition_failure
from modelyard_server.domain.clock import now
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.ports.records import Page

SECURITY_PK = "SECURITY"


class DynamoSecurityLog:
    def record_refusal(self, event: EventRecord, who: str, per_hour: int, keep_days: int) -> bool:
        """The quota is one conditional update of one item (concurrent refusals serialise on it instead of
        cancelling each other's transactions), then the event is put."""
        at = now()
        quota = SecurityQuotaItem(SECURITY_PK, f"Q#{who}#{at.strftime('%Y%m%d%H')}")
        try:
            quota.update(
                actions=[
                    SecurityQuotaItem.kept.add(1),
                    SecurityQuotaItem.expires_at.set(int((at + timedelta(hours=2)).timestamp())),
                ],
                condition=SecurityQuotaItem.kept.does_not_exist() | (SecurityQuotaItem.kept < per_hour),
            )
        except UpdateError as error:
            if is_condition_failure(error):
                return False
            raise
        expires = int((at + timedelta(days=keep_days)).timestamp())
        SecurityEventItem(SECURITY_PK, f"E#{event.id}", record=json_record(event), expires_at=expires).save()
        return True

    def list_refusals(self, limit: int, token: str | None) -> Page[EventRecord]:
        result = RegistryItem.query(
            SECURITY_PK,
            RegistryItem.sk.startswith("E#"),
            filter_condition=SecurityEventItem.expires_at >= int(now().timestamp()),  # TTL deletion lags
            scan_index_forward=False,
            page_size=limit,
            last_evaluated_key=decode_page_token(token, SECURITY_PK),
        )
        items, next_token = one_page(result)
        records = [EventRecord.model_validate(i.record) for i in items if isinstance(i, SecurityEventItem)]
        return Page(records, next_token)
