"""infra/template.yaml as CloudFormation sees it after the SAM transform, expanded offline (one place)."""

from __future__ import annotations

import copy
import functools
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from modelyard_local.template_resources import load_template

REGION = "us-east-1"
PACKAGED_CODE = "s3://modelyard-artifacts/code.zip"


@functools.cache
def _expanded() -> dict[str, Any]:
    template = copy.deepcopy(load_template())
    # `sam package` replaces each local CodeUri with an S3 location before the transform runs.
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = PACKAGED_CODE
    session = boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    translator = Translator({}, Parser(), boto_session=session)
    expanded: dict[str, Any] = translator.translate(template, parameter_values={}, get_managed_policy_map=lambda: {})
    return expanded


def expand_template() -> dict[str, Any]:
    """A fresh copy of the expanded template (callers may change it)."""
    return copy.deepcopy(_expanded())
