"""Channel secrets (webhook URLs, signing secrets) from SSM Parameter Store SecureStrings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient


def _ssm() -> SSMClient:
    return boto3.client("ssm")


class SsmParameters:
    """SecureString parameters, decrypted on read."""

    def read_parameter(self, name: str) -> str | None:
        """The decrypted value of parameter `name`, or None if there is no such parameter."""
        try:
            answer = _ssm().get_parameter(Name=name, WithDecryption=True)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return None
            raise
        value = answer["Parameter"].get("Value")
        return str(value) if value is not None else None
