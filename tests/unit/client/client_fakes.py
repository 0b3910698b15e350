"""A small in-memory registry speaking the docs/api.md contract, plus its blob store.

It is the edge the client talks to, so the client under test runs for real: JSON over
HTTP, presigned-style PUTs, multipart ETags, digest checks on ``complete``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from conftest import Answer, Seen


def problem(status: int, title: str, detail: str, kind: str, errors: list[dict[str, str]] | None = None) -> Answer:
    body: dict[str, Any] = {
        "type": f"https://modelyard.dev/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return Answer(status, body, {"Content-Type": "application/problem+json"})


@dataclass
class FakeRegistry:
    base_url: str = ""
    multipart_above: int = 64 * 1024
    part_size: int = 32 * 1024
    page_size: int = 2
    corrupt_downloads: bool = False
    verify_async_above: int | None = None  # larger uploads answer 202 `verifying`, settled after some reads
    verify_after_reads: int = 2
    verifying_reads: int = 0
    lose_bytes_while_verifying: bool = False
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    parts: dict[str, dict[int, bytes]] = field(default_factory=dict)
    idempotency: dict[str, int] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    # -- helpers ------------------------------------------------------------------
    def _event(self, name: str, kind: str, version: Any = None, **extra: Any) -> None:
        log = self.events.setdefault(name, [])
        log.append({"id": f"e{len(log) + 1}", "type": kind, "model": name, "version": version, "at": "t", **extra})

    def _version(self, name: str, ref: str) -> dict[str, Any] | None:
        for v in self.versions.get(name, []):
            if str(v["version"]) == ref or v.get("semver") == ref:
                return v
        return None

    def _page(self, items: list[Any], seen: Seen) -> Answer:
        start = int(seen.query.get("next_token", ["0"])[0])
        limit = int(seen.query.get("limit", [str(self.page_size)])[0])
        chunk = items[start : start + limit]
        nxt = str(start + limit) if start + limit < len(items) else None
        return Answer(200, {"items": chunk, "next_token": nxt})

    def _pointer(self, name: str, kind: str, pname: str) -> dict[str, Any]:
        key = "stages" if kind == "stage" else "aliases"
        state = self.models[name].setdefault(key, {}).get(pname)
        history = self.models[name].setdefault(f"_{key}_history", {}).get(pname, [])
        return {
            "model": name,
            "kind": kind,
            "name": pname,
            "version": state["version"] if state else None,
            "previous_version": state.get("previous_version") if state else None,
            "updated_at": "t",
            "updated_by": "acme/fraud",
            "history": history,
        }

    def deny(self, name: str, stage: str, version: int, reason: str) -> None:
        """A refused promotion, as the registry keeps it in the model's trail."""
        self._event(name, "model.promotion.denied", version, detail={"stage": stage, "reason": reason})

    def _move(
        self, name: str, kind: str, pname: str, version: int | None, action: str, comment: str | None = None
    ) -> dict[str, Any]:
        key = "stages" if kind == "stage" else "aliases"
        pointers = self.models[name].setdefault(key, {})
        before = pointers.get(pname, {}).get("version")
        if version is None:
            pointers.pop(pname, None)
        else:
            pointers[pname] = {
                "version": version,
                "previous_version": before,
                "updated_at": "t",
                "updated_by": "x",
            }
        history = self.models[name].setdefault(f"_{key}_history", {}).setdefault(pname, [])
        history.append(
            {"version": version, "previous_version": before, "at": "t", "by": "x", "action": action, "comment": comment}
        )
        self._event(name, f"model.{kind}.{action}", version, detail={kind: pname, "comment": comment})
        return self._pointer(name, kind, pname)

    # -- the HTTP surface ---------------------------------------------------------
    def __call__(self, seen: Seen) -> Answer:
        path = seen.path
        if path.startswith("/blob/"):
            return self._blob(seen)
        if seen.headers.get("authorization", "") != "Bearer test-token":
            return problem(401, "Unauthorized", "missing or invalid token", "unauthorized")
        if path == "/v1/models" and seen.method == "POST":
            body = seen.json()
            name = body["name"]
            if name in self.models:
                return problem(409, "Model exists", f"model {name!r} already exists", "model-exists")
            self.models[name] = {
                "name": name,
                "description": body.get("description", ""),
                "tags": body.get("tags", {}),
                "owners": ["acme/fraud"],
                "latest_version": 0,
                "created_at": "t",
                "created_by": "acme/fraud",
                "updated_at": "t",
            }
            self._event(name, "model.created")
            return Answer(201, self._public_model(name))
        if path == "/v1/models" and seen.method == "GET":
            return self._page([self._public_model(n, pointers=False) for n in sorted(self.models)], seen)
        if path == "/v1/resolve":
            return self._resolve(seen.query["uri"][0])
        match = re.fullmatch(r"/v1/models/([^/]+)(/.*)?", path)
        if not match:
            return problem(404, "Not found", path, "not-found")
        name, rest = unquote(match.group(1)), match.group(2) or ""
        if name not in self.models:
            return problem(404, "Model not found", f"no model {name!r}", "model-not-found")
        return self._model_route(seen, name, rest)

    def _public_model(self, name: str, pointers: bool = True) -> dict[str, Any]:
        model = {k: v for k, v in self.models[name].items() if not k.startswith("_")}
        if not pointers:
            model.pop("stages", None)
            model.pop("aliases", None)
        else:
            model.setdefault("stages", {})
            model.setdefault("aliases", {})
        return model

    def _resolve(self, uri: str) -> Answer:
        match = re.fullmatch(r"models:/([^/@]+)(?:@([a-z][\w-]*)|/stage/([a-z][\w-]*)|/(.+))", uri)
        if not match or match.group(1) not in self.models:
            return problem(404, "Not found", uri, "not-found")
        name, alias, stage, ref = match.groups()
        if ref is None:
            kind, pname = ("aliases", alias) if alias else ("stages", stage)
            pointer = self.models[name].get(kind, {}).get(pname)
            if not pointer:
                return problem(404, "Pointer not set", f"{uri} points nowhere", "pointer-not-found")
            ref = str(pointer["version"])
        version = self._version(name, ref)
        if version is None:
            return problem(404, "Version not found", f"model {name!r} has no version {ref}", "version-not-found")
        return Answer(200, {**version, "uri": uri})

    def _model_route(self, seen: Seen, name: str, rest: str) -> Answer:
        if rest == "" and seen.method == "GET":
            return Answer(200, self._public_model(name))
        if rest == "" and seen.method == "PATCH":
            self.models[name].update(seen.json())
            return Answer(200, self._public_model(name))
        if rest == "/versions" and seen.method == "POST":
            return self._register(seen, name)
        if rest == "/versions" and seen.method == "GET":
            items = list(reversed(self.versions.get(name, [])))
            if "status" in seen.query:
                items = [v for v in items if v["status"] == seen.query["status"][0]]
            for tag in seen.query.get("tag", []):
                k, _, val = tag.partition("=")
                items = [v for v in items if v.get("tags", {}).get(k) == val]
            return self._page(items, seen)
        if rest == "/events":
            return self._page(self.events.get(name, []), seen)
        match = re.fullmatch(r"/versions/([^/]+)(/complete|/archive|/download)?", rest)
        if match:
            version = self._version(name, unquote(match.group(1)))
            if version is None:
                return problem(
                    404,
                    "Version not found",
                    f"model {name!r} has no version {match.group(1)}",
                    "version-not-found",
                )
            action = match.group(2)
            if action is None:
                if version["status"] == "verifying":
                    self._verifier_step(version)
                return Answer(200, version)
            if action == "/complete":
                return self._complete(seen, version)
            if action == "/archive":
                body = seen.json()
                version["status"], version["status_reason"] = body["status"], body["reason"]
                return Answer(200, version)
            blob = version["artifact"]["key"]
            return Answer(
                200,
                {
                    "url": f"{self.base_url}/blob/{blob}?X-Amz-Signature=secret",
                    "sha256": version["artifact"]["sha256"],
                    "size": version["artifact"]["size"],
                    "expires_in": 900,
                    "filename": version["artifact"]["filename"],
                    "format": version["artifact"]["format"],
                },
            )
        match = re.fullmatch(r"/(aliases|stages)/([^/]+)(/promote|/rollback)?", rest)
        if match:
            return self._pointer_route(seen, name, match.group(1), match.group(2), match.group(3))
        return problem(404, "Not found", rest, "not-found")

    def _pointer_route(self, seen: Seen, name: str, kinds: str, pname: str, action: str | None) -> Answer:
        kind = "alias" if kinds == "aliases" else "stage"
        if seen.method == "GET":
            if pname not in self.models[name].get(kinds, {}):
                return problem(404, f"{kind.title()} not found", f"{name} has no {kind} {pname}", f"{kind}-not-found")
            return Answer(200, self._pointer(name, kind, pname))
        if seen.method == "DELETE":
            return Answer(200, self._move(name, kind, pname, None, "deleted"))
        body = seen.json() if seen.body else {}
        current = self.models[name].get(kinds, {}).get(pname, {}).get("version")
        if "expected_version" in body and body["expected_version"] != current:
            return problem(409, "Pointer moved", f"{kind} {pname} is at {current}", "pointer-moved")
        if action == "/rollback":
            target = body.get("to_version")
            if target is None:
                target = self.models[name].get(kinds, {}).get(pname, {}).get("previous_version")
            version = self._version(name, str(target))
        else:
            version = self._version(name, str(body["version"]))
        if version is None or version["status"] != "ready":
            return problem(409, "Version not promotable", "only ready versions", "not-promotable")
        moved = self._move(name, kind, pname, version["version"], (action or "/set")[1:], body.get("comment"))
        return Answer(200, moved)

    def _register(self, seen: Seen, name: str) -> Answer:
        body = seen.json()
        key = seen.headers.get("idempotency-key")
        if key and key in self.idempotency:
            version = self._version(name, str(self.idempotency[key]))
            assert version is not None
            return Answer(200, {"version": version, "upload": {"method": "none"}})
        artifact = body["artifact"]
        if artifact["size"] <= 0:
            return problem(
                422,
                "Validation failed",
                "1 field is invalid",
                "validation",
                [{"field": "body.artifact.size", "message": "Input should be greater than 0"}],
            )
        number = self.models[name]["latest_version"] + 1
        self.models[name]["latest_version"] = number
        blob = f"sha256/{artifact['sha256']}"
        version = {
            "model": name,
            "version": number,
            "status": "pending_upload",
            "status_reason": None,
            "artifact": {**artifact, "key": blob},
            **{k: v for k, v in body.items() if k != "artifact"},
            "uri": f"models:/{name}/{number}",
            "created_at": "t",
            "created_by": "acme/fraud",
        }
        self.versions.setdefault(name, []).append(version)
        if key:
            self.idempotency[key] = number
        self._event(name, "model.version.registered", number)
        if blob in self.blobs:
            plan: dict[str, Any] = {"method": "none"}
        elif artifact["size"] > self.multipart_above:
            count = -(-artifact["size"] // self.part_size)
            plan = {
                "method": "multipart",
                "upload_id": "up-1",
                "part_size": self.part_size,
                "parts": [
                    {"part_number": n, "url": f"{self.base_url}/blob/{blob}/part/{n}?X-Amz-Signature=s"}
                    for n in range(1, count + 1)
                ],
            }
        else:
            plan = {
                "method": "put",
                "url": f"{self.base_url}/blob/{blob}?X-Amz-Signature=secret",
                "headers": {"Content-Type": artifact["media_type"]},
            }
        return Answer(201, {"version": version, "upload": plan})

    def _complete(self, seen: Seen, version: dict[str, Any]) -> Answer:
        blob = version["artifact"]["key"]
        body = seen.json() if seen.body else {}
        if body.get("parts"):
            uploaded = self.parts.get(blob, {})
            data = b""
            for part in body["parts"]:
                chunk = uploaded[part["part_number"]]
                if part["etag"] != f'"{hashlib.md5(chunk).hexdigest()}"':
                    return problem(422, "ETag mismatch", f"part {part['part_number']}", "etag-mismatch")
                data += chunk
            self.blobs[blob] = data
        data = self.blobs.get(blob, b"")
        if version["status"] == "verifying" or (
            self.verify_async_above is not None and len(data) > self.verify_async_above
        ):
            version["status"] = "verifying"
            return Answer(202, version)
        if (
            hashlib.sha256(data).hexdigest() != version["artifact"]["sha256"]
            or len(data) != version["artifact"]["size"]
        ):
            return problem(422, "Digest mismatch", "the uploaded bytes do not match", "digest-mismatch")
        version["status"] = "ready"
        version["ready_at"] = "t"
        return Answer(200, version)

    def _verifier_step(self, version: dict[str, Any]) -> None:
        """What the registry's verifier does meanwhile: after some reads, the verdict."""
        self.verifying_reads += 1
        if self.verifying_reads < self.verify_after_reads:
            return
        if self.lose_bytes_while_verifying:
            self.blobs[version["artifact"]["key"]] = b"not what was declared"
        data = self.blobs.get(version["artifact"]["key"], b"")
        actual = hashlib.sha256(data).hexdigest()
        if actual == version["artifact"]["sha256"]:
            version["status"], version["ready_at"] = "ready", "t"
        else:
            version["status"] = "rejected"
            version["status_reason"] = f"the uploaded bytes hash to sha256 {actual}, not the declared one"

    def _blob(self, seen: Seen) -> Answer:
        match = re.fullmatch(r"/blob/(sha256/[0-9a-f]+)(?:/part/(\d+))?", seen.path)
        assert match, seen.path
        blob, part = match.group(1), match.group(2)
        if seen.method == "PUT":
            etag = f'"{hashlib.md5(seen.body).hexdigest()}"'
            if part:
                self.parts.setdefault(blob, {})[int(part)] = seen.body
            else:
                self.blobs[blob] = seen.body
            return Answer(200, b"", {"ETag": etag})
        data = self.blobs[blob]
        if self.corrupt_downloads:
            data = data[:-1] + bytes([data[-1] ^ 1])
        return Answer(200, data, {"Content-Type": "application/octet-stream"})
