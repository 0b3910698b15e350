"""The embedded local stack: moto, uvicorn, a local OIDC issuer."""
