"""The AWS backend: DynamoDB (the registry table), S3 (artifacts), SQS (dead letters), SSM (channel secrets)."""

from __future__ import annotations

from modelyard_server.adapters.dynamodb.events import DynamoEventLog
from modelyard_server.adapters.dynamodb.governance import DynamoGovernanceStore
from modelyard_server.adapters.dynamodb.items import bind
from modelyard_server.adapters.dynamodb.models import DynamoModelStore
from modelyard_server.adapters.dynamodb.namespaces import DynamoNamespaceStore
from modelyard_server.adapters.dynamodb.notifications import DynamoNotificationStore
from modelyard_server.adapters.dynamodb.pointers import DynamoPointerStore
from modelyard_server.adapters.dynamodb.reviews import DynamoReviewStore
from modelyard_server.adapters.dynamodb.roles import DynamoRoleGrants
from modelyard_server.adapters.dynamodb.search import DynamoSearchStore
from modelyard_server.adapters.dynamodb.security_log import DynamoSecurityLog
from modelyard_server.adapters.dynamodb.session_revocations import DynamoSessionRevocations
from modelyard_server.adapters.dynamodb.versions import DynamoVersionStore
from modelyard_server.adapters.s3_blobs import S3BlobStore
from modelyard_server.adapters.sqs_dead_letters import SqsDeadLetters
from modelyard_server.adapters.ssm_parameters import SsmParameters
from modelyard_server.ports import Backend
from modelyard_server.settings import Settings


def dynamodb_backend(settings: Settings) -> Backend:
    bind(settings.table_name)
    return Backend(
        name="dynamodb",
        models=DynamoModelStore(),
        versions=DynamoVersionStore(),
        pointers=DynamoPointerStore(),
        events=DynamoEventLog(),
        governance=DynamoGovernanceStore(),
        reviews=DynamoReviewStore(),
        roles=DynamoRoleGrants(),
        notifications=DynamoNotificationStore(),
        security=DynamoSecurityLog(),
        blobs=S3BlobStore(settings.bucket_name),
        search=DynamoSearchStore(),
        parameters=SsmParameters(),
        dead_letters=SqsDeadLetters(settings.notification_dlq_url) if settings.notification_dlq_url else None,
        namespaces=DynamoNamespaceStore(),
        sessions=DynamoSessionRevocations(),
    )
