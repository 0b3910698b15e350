"""Secrets from AWS Secrets Manager, read once per process (a Lambda container)."""

from __future__ import annotations

import functools

import boto3


@functools.cache
def secret_string(secret_id: str) -> str:
    answer = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)
    value = answer.get("SecretString")
    if not value:
        raise ValueError(f"secret {secret_id} has no string value")
    return str(value)
