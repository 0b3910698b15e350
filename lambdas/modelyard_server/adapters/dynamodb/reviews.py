"""Reviewers' current reviews in the model's partition: ``RV#<v>#<reviewer key>``, one item per reviewer
and version, overwritten by a later review (the events keep every earlier one)."""

from __future__ import annotations

from modelyard_server.adapters.dynamodb.items import (
    RegistryItem,
    ReviewItem,
    VersionItem,
    json_record,
    model_pk,
    review_prefix,
    version_sk,
)
from modelyard_server.adapters.dynamodb.transactions import LabelledTransaction, event_item
from modelyard_server.domain.event_record import EventRecord
from modelyard_server.domain.review_records import ReviewRecord

MAX_REVIEWERS_READ = 1000  # far above any real panel: the listing stays one bounded Query


class DynamoReviewStore:
    def save_review(self, review: ReviewRecord, event: EventRecord) -> None:
        pk = model_pk(review.model)
        item = ReviewItem(pk, review_prefix(review.version) + review.reviewer.key, record=json_record(review))
        transaction = LabelledTransaction()
        transaction.check("version", VersionItem, pk, version_sk(review.version), VersionItem.status == "ready")
        transaction.put("review", item)
        transaction.put("event", event_item(event))
        transaction.commit()

    def current_reviews(self, model: str, number: int) -> list[ReviewRecord]:
        result = RegistryItem.query(
            model_pk(model),
            RegistryItem.sk.startswith(review_prefix(number)),
            consistent_read=True,
            limit=MAX_REVIEWERS_READ,
        )
        reviews = [ReviewRecord.model_validate(item.record) for item in result if isinstance(item, ReviewItem)]
        return sorted(reviews, key=lambda review: review.event_id)
