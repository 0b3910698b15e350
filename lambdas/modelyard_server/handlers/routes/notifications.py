"""/v1/notifications: which events go to which Slack, Teams and webhook channels (admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends

from modelyard_server.domain.principal import Principal
from modelyard_server.handlers.auth import authenticated_principal
from modelyard_server.handlers.routes.deferred import Deferred

if TYPE_CHECKING:
    from modelyard_server.domain import notification_config
else:  # loaded by the first request that needs them (see `deferred`)
    notification_config = Deferred("modelyard_server.domain.notification_config")

router = Router()
Caller = Annotated[Principal, Depends(authenticated_principal)]


@router.get("/v1/notifications", summary="The notification routing config (admins)", tags=["notifications"])
def get_notifications(caller: Caller) -> notification_config.NotificationsView:
    return notification_config.get_notifications(caller)


@router.put(
    "/v1/notifications",
    summary="Replace the notification routing config (admins); refused if a channel could not work",
    tags=["notifications"],
)
def set_notifications(
    body: notification_config.SetNotificationsRequest, caller: Caller
) -> notification_config.NotificationsView:
    return notification_config.set_notifications(body, caller)
