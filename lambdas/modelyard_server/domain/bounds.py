"""The limits the API states in its parameters (page sizes, tree depths, upload ids), in a module that loads
nothing: route declarations name them at import, before any use case or model is loaded."""

from __future__ import annotations

MAX_PARTS = 10_000  # S3's limit per multipart upload
PARTS_PAGE = 100  # the most part URLs one answer can carry (settings.upload_parts_page may set fewer)
UPLOAD_ID_PATTERN = r"^[A-Za-z0-9._~=+/-]{1,1024}$"

DEFAULT_DEPTH = 3  # lineage generations shown each way unless asked
MAX_DEPTH = 10
MAX_NODES = 200  # versions one lineage tree lists at most
