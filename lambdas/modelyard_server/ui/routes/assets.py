"""/ui/static/<file>: the pages' stylesheet, from the package (no CDN: the pages work with no internet)."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from modelyard_server.domain.errors import DomainError
from modelyard_server.ui.page_responses import SECURITY_HEADERS


class AssetNotFound(DomainError):
    status, slug, title = 404, "no-such-file", "No such file"


router = Router()
STATIC_FILES = FilePath(__file__).resolve().parent.parent / "static"
CONTENT_TYPES = {".css": "text/css; charset=utf-8"}
AssetName = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,64}\.css$")]


@router.get("/ui/static/<file>", include_in_schema=False)
def static_file(file: AssetName) -> Response[str]:
    path = STATIC_FILES / file
    if not path.is_file():
        raise AssetNotFound(f"the pages have no file '{file}'")
    # the pages' headers, but kept by caches a while: the stylesheet is the same for everyone
    headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=300"}
    return Response(
        status_code=200, content_type=CONTENT_TYPES[path.suffix], body=path.read_text(encoding="utf-8"), headers=headers
    )
