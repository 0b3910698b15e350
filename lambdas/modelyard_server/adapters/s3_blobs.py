"""Artifact blobs in S3, content-addressed at ``blobs/sha256/<hex>``: presigned transfers and verification."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from modelyard_server.ports.records import BlobFacts, PresignedPart, PresignedPut

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

HASH_CHUNK = 8 * 1024 * 1024


@cache
def _s3() -> S3Client:
    # Virtual-hosted URLs on AWS; path-style against a custom endpoint (the local moto server on an IP).
    custom_endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if custom_endpoint:
        return boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    return boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))


def reset_client() -> None:
    _s3.cache_clear()


def checksum_header(sha256_hex: str) -> str:
    """The `x-amz-checksum-sha256` value for these bytes: base64 of the raw digest."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


class S3BlobStore:
    """The artifact bucket (versioned): S3 checks size and checksum of presigned PUTs on arrival."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def presign_put(self, key: str, size: int, media_type: str, sha256_hex: str, ttl: int) -> PresignedPut:
        """A PUT URL that only accepts exactly these bytes: S3 checks the size and the SHA-256 on arrival."""
        url = _s3().generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ContentLength": size,
                "ContentType": media_type,
                "ChecksumSHA256": checksum_header(sha256_hex),
            },
            ExpiresIn=ttl,
        )
        headers = {"Content-Type": media_type, "x-amz-checksum-sha256": checksum_header(sha256_hex)}
        return PresignedPut(url, headers)

    def start_multipart(self, key: str, media_type: str) -> str:
        answer = _s3().create_multipart_upload(Bucket=self.bucket, Key=key, ContentType=media_type)
        return answer["UploadId"]

    def presign_parts(
        self, key: str, upload_id: str, numbers: range, ttl: int, *, part_size: int
    ) -> list[PresignedPart]:
        """Upload URLs for the parts `numbers` of a multipart upload (each one costs a signature: ask for a page)."""
        return [
            PresignedPart(
                number,
                _s3().generate_presigned_url(
                    "upload_part",
                    Params={"Bucket": self.bucket, "Key": key, "UploadId": upload_id, "PartNumber": number},
                    ExpiresIn=ttl,
                ),
            )
            for number in numbers
        ]

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> bool:
        """Assemble the parts; False when the upload id is unknown (already completed or aborted)."""
        try:
            # Ask first whether the upload exists: S3 would answer NoSuchUpload to the completion itself,
            # but the local stand-in crashes on an id it never issued.
            _s3().list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id, MaxParts=1)
            _s3().complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in sorted(parts)]},
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in {"NoSuchUpload", "404"}:
                return False
            if code in {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "MalformedXML"}:
                raise ValueError(error.response.get("Error", {}).get("Message", code)) from error
            raise
        return True

    def abort_multipart(self, key: str, upload_id: str) -> None:
        # Already gone is fine: the bucket's lifecycle rule cleans up anything left behind.
        with contextlib.suppress(ClientError):
            _s3().abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def head_blob(self, key: str) -> BlobFacts | None:
        try:
            answer: Any = _s3().head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        checksum = answer.get("ChecksumSHA256")
        full_object = checksum and "-" not in checksum and answer.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT"
        hex_checksum = base64.b64decode(checksum).hex() if full_object else None
        version = answer.get("VersionId")
        return BlobFacts(
            size=int(answer["ContentLength"]),
            checksum_sha256=hex_checksum,
            version_id=str(version) if version and version != "null" else None,
        )

    def hash_blob(self, key: str, version_id: str | None) -> str:
        """SHA-256 of one stored object version, streamed in 8 MiB chunks (memory stays flat whatever the size)."""
        if version_id:
            body = _s3().get_object(Bucket=self.bucket, Key=key, VersionId=version_id)["Body"]
        else:
            body = _s3().get_object(Bucket=self.bucket, Key=key)["Body"]
        digest = hashlib.sha256()
        for chunk in body.iter_chunks(HASH_CHUNK):
            digest.update(chunk)
        return digest.hexdigest()

    def delete_blob(self, key: str) -> None:
        _s3().delete_object(Bucket=self.bucket, Key=key)

    def presign_get(self, key: str, version_id: str | None, filename: str, ttl: int) -> str:
        """A download link for the object version that was verified (not whatever the key holds later)."""
        params: dict[str, str] = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentDisposition": 'attachment; filename="' + filename.replace('"', "_") + '"',
        }
        if version_id:
            params["VersionId"] = version_id
        return _s3().generate_presigned_url("get_object", Params=params, ExpiresIn=ttl)
