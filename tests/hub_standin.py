"""A small stand-in for the Hugging Face Hub, served on 127.0.0.1 for push/pull tests.

The real Hub is unreachable from the test machines, so push paths are tested against this
server. It implements only the HTTP endpoints that ``huggingface_hub`` (``HfApi.create_repo``,
``upload_folder``, ``repo_info``, ``hf_hub_download``, ``HfFileSystem``) and ``datasets``
(``load_dataset(repo_id)``, streaming included) call; docs/dataset.md lists them. Every file is
stored as a regular git blob (the preupload answer is ``"regular"``), so neither LFS nor Xet is
needed. Repositories live in memory; each commit keeps a full snapshot, so a commit sha works
as a revision.

Use it through the ``hub_standin`` fixture (``from hub_standin import hub_standin  # noqa: F401``):
(add ``# ruff: noqa: F811`` to the test file, since fixture arguments shadow the import);
it starts the server, points ``HF_ENDPOINT`` (environment, for subprocesses) and the already
imported ``huggingface_hub`` / ``datasets`` constants (in-process) at it, sets a dummy
``HF_TOKEN`` and private caches, and yields the :class:`HubStandin` (``.endpoint``, ``.calls``,
``.files(repo_id, repo_type)``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

USER = "standin-user"
TOKEN = "hf_standin_dummy_token"
_PREFIX = {"models": "model", "datasets": "dataset", "spaces": "space"}
_URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


def git_blob_sha1(data: bytes) -> str:
    """Git's object id of a blob, which the Hub reports as the ``oid`` of regular files."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class _Repo:
    def __init__(self, repo_type: str, repo_id: str, private: bool):
        self.repo_type = repo_type
        self.repo_id = repo_id
        self.private = private
        self.snapshots: dict[str, dict[str, bytes]] = {}
        self.head = self._commit({}, "initial commit")

    def _commit(self, files: dict[str, bytes], message: str) -> str:
        sha = hashlib.sha1(f"{self.repo_id}{len(self.snapshots)}{message}".encode()).hexdigest()
        self.snapshots[sha] = files
        self.head = sha
        return sha

    def snapshot(self, revision: str) -> tuple[str, dict[str, bytes]] | None:
        revision = urllib.parse.unquote(revision)
        if revision == "main":
            return self.head, self.snapshots[self.head]
        if revision in self.snapshots:
            return revision, self.snapshots[revision]
        return None


class HubStandin:
    """In-memory Hub serving the client endpoints on ``127.0.0.1:<free port>``."""

    def __init__(self):
        self.repos: dict[tuple[str, str], _Repo] = {}
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> HubStandin:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def files(self, repo_id: str, repo_type: str = "dataset") -> dict[str, bytes]:
        """The files at the head of ``repo_id`` (path -> bytes)."""
        repo = self.repos[(repo_type, repo_id)]
        return dict(repo.snapshots[repo.head])

    def call_summary(self) -> list[str]:
        """Distinct ``METHOD /route`` patterns seen so far (repo names and paths elided)."""
        seen = []
        for method, route in self.calls:
            if (method, route) not in seen:
                seen.append((method, route))
        return [f"{m} {r}" for m, r in seen]


def _route_pattern(path: str) -> str:
    parts = path.split("?")[0].split("/")
    if len(parts) > 2 and parts[1] == "api" and parts[2] in _PREFIX and len(parts) >= 5:
        tail = parts[5:]
        if tail and tail[0] in ("tree", "resolve", "preupload", "commit", "revision", "paths-info"):
            return "/".join(["", "api", parts[2], "{repo_id}", tail[0], "{...}"])
        return "/".join(["", "api", parts[2], "{repo_id}", *tail])
    if "resolve" in parts:
        i = parts.index("resolve")
        return "/".join([*parts[: i - 2], "{repo_id}", "resolve", "{revision}", "{path}"])
    return path.split("?")[0]


def _make_handler(hub: HubStandin):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep pytest output clean
            pass

        # -- helpers -------------------------------------------------------------------------
        def _send(self, status: int, body: bytes = b"", headers: dict | None = None, head=False):
            head = head or self.command == "HEAD"  # a HEAD answer never has a body
            self.send_response(status)
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
            headers.setdefault("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if not head and body:
                self.wfile.write(body)

        def _json(self, status: int, obj, headers: dict | None = None):
            self._send(status, json.dumps(obj).encode(), headers)

        def _error(self, status: int, message: str, code: str | None = None):
            headers = {"X-Error-Message": message}
            if code:
                headers["X-Error-Code"] = code
            self._json(status, {"error": message}, headers)

        def _body(self) -> bytes:
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def _repo(self, kind: str, repo_id: str) -> _Repo | None:
            return hub.repos.get((_PREFIX.get(kind, kind), repo_id))

        # -- dispatch ------------------------------------------------------------------------
        def do_GET(self):
            self._dispatch("GET")

        def do_HEAD(self):
            self._dispatch("HEAD")

        def do_POST(self):
            self._dispatch("POST")

        def _dispatch(self, method: str):
            url = urllib.parse.urlsplit(self.path)
            path, query = url.path, urllib.parse.parse_qs(url.query)
            with hub.lock:
                hub.calls.append((method, _route_pattern(path)))
            parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
            try:
                if path == "/api/whoami-v2":
                    return self._whoami()
                if method == "POST" and path == "/api/repos/create":
                    return self._create_repo()
                if method == "POST" and path == "/api/validate-yaml":
                    return self._validate_yaml()
                if parts[0] == "api" and len(parts) >= 4 and parts[1] in _PREFIX:
                    return self._api(method, parts[1], "/".join(parts[2:4]), parts[4:], query)
                if "resolve" in parts:
                    return self._resolve(method, parts)
                return self._error(404, f"stand-in: no route for {method} {path}")
            except BrokenPipeError:
                return None

        # -- endpoints -----------------------------------------------------------------------
        def _whoami(self):
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._error(401, "Invalid credentials in Authorization header")
            self._json(
                200,
                {
                    "type": "user",
                    "name": USER,
                    "fullname": "Stand-in User",
                    "orgs": [],
                    "auth": {"type": "access_token", "accessToken": {"role": "write"}},
                },
            )

        def _create_repo(self):
            body = json.loads(self._body() or b"{}")
            repo_type = body.get("type") or "model"
            namespace = body.get("organization") or USER
            repo_id = f"{namespace}/{body['name']}"
            key = (repo_type, repo_id)
            url = f"{hub.endpoint}/{_URL_PREFIX[repo_type]}{repo_id}"
            with hub.lock:
                exists = key in hub.repos
                if not exists:
                    private = bool(body.get("private")) or body.get("visibility") == "private"
                    hub.repos[key] = _Repo(repo_type, repo_id, private)
                    hub.repos[key].create_payload = body
            if exists:  # the Hub answers 409 with the URL; exist_ok=True clients accept it
                message = f"You already created this {repo_type} repo"
                return self._json(409, {"error": message, "url": url}, {"X-Error-Message": message})
            self._json(200, {"url": url, "name": repo_id})

        def _validate_yaml(self):
            import yaml

            content = json.loads(self._body())["content"]
            errors = []
            if content.startswith("---"):
                front = content.split("---", 2)[1]
                try:
                    meta = yaml.safe_load(front)
                    if not isinstance(meta, dict):
                        errors.append({"message": "YAML metadata must be a mapping"})
                except yaml.YAMLError as e:
                    errors.append({"message": f"invalid YAML: {e}"})
            self._json(400 if errors else 200, {"errors": errors, "warnings": []})

        def _api(self, method, kind, repo_id, rest, query):
            repo = self._repo(kind, repo_id)
            if repo is None:
                return self._error(404, "Repository not found", "RepoNotFound")
            if not rest or rest[0] == "revision":
                rev = rest[1] if len(rest) > 1 else "main"
                return self._repo_info(repo, rev)
            action, rev, sub = rest[0], rest[1] if len(rest) > 1 else "main", "/".join(rest[2:])
            if method == "POST" and action == "preupload":
                return self._preupload(repo, rev)
            if method == "POST" and action == "commit":
                return self._commit(repo, rev)
            if action == "tree":
                return self._tree(repo, rev, sub, query)
            if method == "POST" and action == "paths-info":
                return self._paths_info(repo, rev)
            return self._error(404, f"stand-in: no API route {method} {'/'.join(rest)}")

        def _snapshot_or_404(self, repo: _Repo, rev: str):
            snap = repo.snapshot(rev)
            if snap is None:
                self._error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            return snap

        def _repo_info(self, repo: _Repo, rev: str):
            snap = self._snapshot_or_404(repo, rev)
            if snap is None:
                return None
            sha, files = snap
            self._json(
                200,
                {
                    "id": repo.repo_id,
                    "_id": hashlib.md5(repo.repo_id.encode()).hexdigest()[:24],
                    "author": repo.repo_id.split("/")[0],
                    "sha": sha,
                    "private": repo.private,
                    "disabled": False,
                    "gated": False,
                    "downloads": 0,
                    "likes": 0,
                    "tags": [],
                    "lastModified": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                    "createdAt": "2026-01-01T00:00:00.000Z",
                    "siblings": [{"rfilename": p} for p in sorted(files)],
                },
            )

        def _preupload(self, repo: _Repo, rev: str):
            snap = self._snapshot_or_404(repo, rev)
            if snap is None:
                return None
            _, files = snap
            body = json.loads(self._body())
            out = []
            for f in body["files"]:
                old = files.get(f["path"])
                out.append(
                    {
                        "path": f["path"],
                        "uploadMode": "regular",
                        "shouldIgnore": False,
                        "oid": git_blob_sha1(old) if old is not None else None,
                    }
                )
            self._json(200, {"files": out, "commitOid": snap[0]})

        def _commit(self, repo: _Repo, rev: str):
            if urllib.parse.unquote(rev) != "main":
                return self._error(400, "stand-in: commits go to main only")
            lines = [json.loads(x) for x in self._body().splitlines() if x.strip()]
            header = next((x["value"] for x in lines if x["key"] == "header"), {})
            with hub.lock:
                files = dict(repo.snapshots[repo.head])
                for item in lines:
                    value = item["value"]
                    if item["key"] == "file":
                        if value.get("encoding") != "base64":
                            return self._error(400, "stand-in: only base64 file content")
                        files[value["path"]] = base64.b64decode(value["content"])
                    elif item["key"] == "deletedFile":
                        files.pop(value["path"], None)
                    elif item["key"] == "deletedFolder":
                        prefix = value["path"].rstrip("/") + "/"
                        files = {p: b for p, b in files.items() if not p.startswith(prefix)}
                    elif item["key"] in ("lfsFile", "copy"):
                        return self._error(400, f"stand-in: {item['key']} not supported")
                sha = repo._commit(files, header.get("summary", ""))
            url = f"{hub.endpoint}/{_URL_PREFIX[repo.repo_type]}{repo.repo_id}"
            self._json(200, {"commitUrl": f"{url}/commit/{sha}", "commitOid": sha, "success": True})

        @staticmethod
        def _entries(files: dict[str, bytes], prefix: str, recursive: bool) -> list[dict]:
            prefix = prefix.strip("/")
            base = prefix + "/" if prefix else ""
            entries, dirs = [], set()
            for p in sorted(files):
                if not p.startswith(base):
                    continue
                rel = p[len(base) :]
                parts = rel.split("/")
                for depth in range(1, len(parts)):
                    d = base + "/".join(parts[:depth])
                    if (recursive or depth == 1) and d not in dirs:
                        dirs.add(d)
                        entries.append({"type": "directory", "oid": "0" * 40, "size": 0, "path": d})
                if recursive or len(parts) == 1:
                    data = files[p]
                    entries.append(
                        {"type": "file", "oid": git_blob_sha1(data), "size": len(data), "path": p}
                    )
            return entries

        def _tree(self, repo: _Repo, rev: str, sub: str, query):
            snap = self._snapshot_or_404(repo, rev)
            if snap is None:
                return None
            _, files = snap
            sub = sub.strip("/")
            if sub and sub not in files and not any(p.startswith(sub + "/") for p in files):
                return self._error(404, f"Entry not found: {sub}", "EntryNotFound")
            recursive = query.get("recursive", ["false"])[0].lower() in ("1", "true")
            self._json(200, self._entries(files, sub, recursive))

        def _paths_info(self, repo: _Repo, rev: str):
            snap = self._snapshot_or_404(repo, rev)
            if snap is None:
                return None
            _, files = snap
            raw = self._body().decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                paths = json.loads(raw).get("paths", [])
            else:
                paths = urllib.parse.parse_qs(raw).get("paths", [])
            out = []
            for p in paths:
                p = p.strip("/")
                if p in files:
                    out.append(
                        {
                            "type": "file",
                            "oid": git_blob_sha1(files[p]),
                            "size": len(files[p]),
                            "path": p,
                        }
                    )
                elif any(f.startswith(p + "/") for f in files) or p == "":
                    out.append({"type": "directory", "oid": "0" * 40, "size": 0, "path": p})
            self._json(200, out)

        def _resolve(self, method: str, parts: list[str]):
            i = parts.index("resolve")
            kind = parts[0] if parts[0] in ("datasets", "spaces") else "models"
            repo_id = "/".join(parts[i - 2 : i])
            repo = self._repo(kind, repo_id)
            if repo is None:
                return self._error(404, "Repository not found", "RepoNotFound")
            snap = self._snapshot_or_404(repo, parts[i + 1])
            if snap is None:
                return None
            sha, files = snap
            path = "/".join(parts[i + 2 :])
            if path not in files:
                return self._error(404, "Entry not found", "EntryNotFound")
            data = files[path]
            headers = {
                "Content-Type": "application/octet-stream",
                "ETag": f'"{git_blob_sha1(data)}"',
                "X-Repo-Commit": sha,
                "Accept-Ranges": "bytes",
            }
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes="):
                start_s, _, end_s = rng[6:].partition("-")
                if start_s == "":
                    start, end = max(len(data) - int(end_s), 0), len(data) - 1
                else:
                    start = int(start_s)
                    end = min(int(end_s), len(data) - 1) if end_s else len(data) - 1
                if start >= len(data):
                    headers["Content-Range"] = f"bytes */{len(data)}"
                    return self._send(416, b"", headers, head=method == "HEAD")
                headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
                return self._send(206, data[start : end + 1], headers, head=method == "HEAD")
            return self._send(200, data, headers, head=method == "HEAD")

    return Handler


@pytest.fixture
def hub_standin(monkeypatch, tmp_path):
    """Start a :class:`HubStandin` and point huggingface_hub and datasets at it.

    Sets ``HF_ENDPOINT`` / ``HF_TOKEN`` / caches in the environment (inherited by subprocesses)
    and patches the endpoint constants that ``huggingface_hub`` and ``datasets`` computed at
    import time, so in-process clients reach the stand-in too.
    """
    import huggingface_hub.constants as hf_constants

    hub = HubStandin().start()
    cache = tmp_path / "hf_cache"
    env = {
        "HF_ENDPOINT": hub.endpoint,
        "HF_TOKEN": TOKEN,
        "HF_HOME": str(cache),
        "HF_HUB_CACHE": str(cache / "hub"),
        "HF_DATASETS_CACHE": str(cache / "datasets"),
        "HF_HUB_OFFLINE": "0",
        "HF_DATASETS_OFFLINE": "0",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_XET": "1",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(hf_constants, "ENDPOINT", hub.endpoint)
    monkeypatch.setattr(
        hf_constants,
        "HUGGINGFACE_CO_URL_TEMPLATE",
        hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}",
    )
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache / "hub"))
    try:
        import datasets.config as ds_config

        monkeypatch.setattr(ds_config, "HF_ENDPOINT", hub.endpoint)
        monkeypatch.setattr(
            ds_config,
            "HUB_DATASETS_URL",
            hub.endpoint + "/datasets/{repo_id}/resolve/{revision}/{path}",
        )
        monkeypatch.setattr(ds_config, "HF_DATASETS_CACHE", cache / "datasets")
    except ImportError:
        pass
    try:
        yield hub
    finally:
        hub.stop()
