"""`modelyard dev --notifications FILE`: a routing config for the local stack, stored as an admin would store it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def apply_notifications(spec: Mapping[str, Any], set_parameter: Callable[[str, str], None]) -> None:
    """A local routing config: its ``parameters`` are stored as secrets, the rest is checked and stored."""
    from modelyard_server.domain.notification_config import SetNotificationsRequest, store_notifications
    from modelyard_server.domain.principal import Principal

    for name, value in dict(spec.get("parameters", {})).items():
        set_parameter(name, str(value))
    request = SetNotificationsRequest.model_validate({k: v for k, v in spec.items() if k != "parameters"})
    # Whoever started the stack, from its --notifications file: the governance trail says so.
    operator = Principal(claims={"sub": "local:modelyard-dev", "actor": "modelyard dev", "iss": "modelyard-local"})
    store_notifications(request, operator)
