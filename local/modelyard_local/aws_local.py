"""The AWS shape on this machine: ``infra/template.yaml`` deployed to MiniStack with the Lambda bundle.

The deployed-shape test tier and ``make aws-local`` both use :class:`AwsLocal`: it builds the bundle
for the emulator's interpreter, starts the local OIDC issuer and the GitHub stand-in on loopback,
starts MiniStack and deploys the template with parameters pointing at them. Nothing is wired by
hand past what the template says, but the loopback settings :data:`LOOPBACK_ENVIRONMENT` names.
"""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from modelyard_local.aws_deploy import TEMPLATE, Deployment, client, deploy
from modelyard_local.bundle import BUILD_DIR, Bundle, build_bundle
from modelyard_local.bundle_lock import host_target
from modelyard_local.emulator import MiniStack
from modelyard_local.github import APP_ID, LocalGitHub
from modelyard_local.issuer import LocalIssuer

OWNERS = "acme"
ADMIN_REPOSITORY = "acme/platform"
# What differs from a real deployment only because the edges are on 127.0.0.1 here: the GitHub API
# (api.github.com on AWS, so the template has no parameter for it) and plain-http chat receivers.
LOOPBACK_ENVIRONMENT = {
    "MODELYARD_NOTIFY_ALLOW_LOOPBACK_HTTP": "true",
    "MODELYARD_NOTIFY_BACKOFF_SECONDS": "0.01",
}


class AwsLocal:
    """``with AwsLocal() as aws:`` - ``aws.api_url`` is the template's HTTP API, ``aws.mint()`` a token."""

    def __init__(
        self,
        *,
        template: Path | None = None,
        parameters: dict[str, str] | None = None,
        function_environment: dict[str, str] | None = None,
        bundle_dir: Path = BUILD_DIR,
        stack_name: str = "modelyard",
    ) -> None:
        self._template = template
        self._parameters = parameters or {}
        self._function_environment = function_environment or {}
        self._bundle_dir = bundle_dir
        self.stack_name = stack_name
        self.issuer = LocalIssuer()
        self.github: LocalGitHub | None = None
        self.emulator: MiniStack | None = None
        self.bundle: Bundle | None = None
        self.deployment: Deployment | None = None

    @property
    def api_url(self) -> str:
        assert self.deployment is not None, "not started"
        return self.deployment.api_url

    @property
    def endpoint(self) -> str:
        assert self.emulator is not None, "not started"
        return self.emulator.endpoint

    def client(self, service: str) -> Any:
        return client(service, self.endpoint)

    def mint(self, **claims: Any) -> str:
        return self.issuer.mint(**claims)

    def start(self) -> Self:
        try:
            self.bundle = build_bundle(host_target(), self._bundle_dir)
            self.issuer.start()
            self.github = LocalGitHub()
            self.emulator = MiniStack().start()
            self.deployment = self.deploy_stack(self.stack_name, self._template)
        except BaseException:
            self.stop()
            raise
        return self

    def deploy_stack(self, stack_name: str, template: Path | None = None) -> Deployment:
        """Deploy ``template`` (default: infra/template.yaml) as another stack on the running emulator."""
        if self.emulator is None or self.github is None or self.bundle is None:
            raise RuntimeError("start() first")
        parameters = {
            "TrustedIssuers": self.issuer.url,
            "AllowedOwners": OWNERS,
            "AdminRepositories": ADMIN_REPOSITORY,
            "GitHubAppId": APP_ID,
            "LogLevel": "WARNING",
            **self._parameters,
        }
        environment = {
            "MODELYARD_GITHUB_API_URL": self.github.url,
            **LOOPBACK_ENVIRONMENT,
            **self._function_environment,
        }
        return deploy(
            self.emulator.endpoint,
            self.bundle.path,
            parameters,
            stack_name=stack_name,
            template_path=template or TEMPLATE,
            github_app_private_key=self.github.private_key_pem,
            function_environment=environment,
        )

    def stop(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
        if self.github is not None:
            self.github.stop()
        self.issuer.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """``make aws-local``: deploy, say how to use it, run until Ctrl-C (or SIGTERM)."""
    # The emulator runs in a session of its own (Ctrl-C in the terminal does not reach it): SIGTERM must
    # unwind through AwsLocal.stop() like Ctrl-C does, or the emulator and its workers outlive us.
    signal.signal(signal.SIGTERM, _interrupt)
    with AwsLocal() as aws:
        assert aws.bundle is not None
        print(f"bundle     {aws.bundle.summary()}")
        print(f"emulator   MiniStack on {aws.endpoint} (stack {aws.stack_name}, template infra/template.yaml)")
        print(f"API        {aws.api_url}")
        print(f"issuer     {aws.issuer.url} (trusted by the deployment; owners: {OWNERS}, admins: {ADMIN_REPOSITORY})")
        print()
        print("Use it:")
        print(f"  export MODELYARD_URL={aws.api_url}")
        print(f"  export MODELYARD_TOKEN=$(modelyard dev-token --issuer {aws.issuer.url} --repository acme/models)")
        print("  modelyard register my-model ./model.onnx --create-model")
        print(
            f"  AWS_ENDPOINT_URL={aws.endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws ...  # the stack"
        )
        print("Ctrl-C stops it (the emulator keeps nothing).", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
