"""The perf benchmarks reuse the integration harness: the Lambda handler in-process against moto."""

from tests.integration.conftest import issuer, registry  # noqa: F401 (fixtures)
