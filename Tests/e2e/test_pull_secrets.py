"""Image pulls with credentials on a real node: a small OCI distribution registry (in this test,
on loopback, plain HTTP, HTTP Basic auth) serves the harness's busybox image; containerd reaches it
as the mirror of two made-up registries named in `--private-registry`. Pods pull with their
`imagePullSecrets`, fail with the registry's 401 (ErrImagePull, then ImagePullBackOff) without
them, and pull with registries.yaml's `configs.<host>.auth` alone."""
import base64
import gzip
import hashlib
import http.server
import io
import json
import os
import tarfile
import tempfile
import threading

import pytest

from realnode import real_node, requires_containerd, write_busybox_image

pytestmark = requires_containerd

USER, PASSWORD = "alice", "s3cret-pw"
OPEN_HOST = "open.test:5000"      # mirrored to the test registry, no credentials configured
AUTHED_HOST = "authed.test:5000"  # mirrored to it too, with registries.yaml credentials
REPO = "busybox"
TAG = "pull"


def image_blobs():
    """The busybox image as an OCI manifest, config and gzip layer: (manifest bytes, {digest: bytes})."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "busybox.tar")
        write_busybox_image(path)
        with tarfile.open(path) as t:
            saved = json.loads(t.extractfile("manifest.json").read())[0]
            config = json.loads(t.extractfile(saved["Config"]).read())
            layer = t.extractfile(saved["Layers"][0]).read()

    def digest(data):
        return "sha256:" + hashlib.sha256(data).hexdigest()

    # A marker file makes the layer differ from the image the node imported at start, so the
    # pull has to fetch the blobs too (an unpacked layer of the same diff ID would be reused).
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(layer)) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        marker = b"served-by-the-test-registry\n"
        info = tarfile.TarInfo("etc/marker")
        info.size, info.mode = len(marker), 0o644
        dst.addfile(info, io.BytesIO(marker))
    layer = out.getvalue()
    config["rootfs"]["diff_ids"] = [digest(layer)]
    config = json.dumps(config).encode()
    layer_gz = gzip.compress(layer, mtime=0)

    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(layer_gz), "size": len(layer_gz)}],
    }).encode()
    return manifest, {digest(config): config, digest(layer_gz): layer_gz, digest(manifest): manifest}


class Registry:
    """A read-only OCI distribution registry of one image that wants HTTP Basic auth."""

    def __init__(self):
        self.manifest, self.blobs = image_blobs()
        self.manifest_digest = "sha256:" + hashlib.sha256(self.manifest).hexdigest()
        self.requests = []  # (method, path, user or None, status)
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=None, send_body=True):
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

            def serve(self, send_body):
                path = self.path.split("?", 1)[0]
                auth = self.headers.get("Authorization")
                user = None
                if auth and auth.startswith("Basic "):
                    try:
                        user = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
                    except ValueError:
                        user = "?"
                if auth != expected:
                    registry.requests.append((self.command, path, user, 401))
                    body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}).encode()
                    return self.reply(401, body, {"WWW-Authenticate": 'Basic realm="swiftlet-test-registry"',
                                                  "Content-Type": "application/json"}, send_body)
                registry.requests.append((self.command, path, user, 200))
                if path in ("/v2/", "/v2"):
                    return self.reply(200, b"{}", {"Content-Type": "application/json"}, send_body)
                prefix = f"/v2/{REPO}/"
                if path.startswith(prefix + "manifests/"):
                    reference = path[len(prefix + "manifests/"):]
                    if reference in (TAG, registry.manifest_digest):
                        return self.reply(200, registry.manifest, {
                            "Content-Type": "application/vnd.oci.image.manifest.v1+json",
                            "Docker-Content-Digest": registry.manifest_digest}, send_body)
                if path.startswith(prefix + "blobs/"):
                    blob = registry.blobs.get(path[len(prefix + "blobs/"):])
                    if blob is not None:
                        return self.reply(200, blob, {"Content-Type": "application/octet-stream",
                                                      "Docker-Content-Digest": path.rsplit("/", 1)[1]}, send_body)
                self.reply(404, b'{"errors": [{"code": "NOT_FOUND"}]}', {"Content-Type": "application/json"}, send_body)

            def do_GET(self):
                self.serve(True)

            def do_HEAD(self):
                self.serve(False)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def pod(name, image, secrets=()):
    return json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"terminationGracePeriodSeconds": 1,
                 "imagePullSecrets": [{"name": s} for s in secrets],
                 "containers": [{"name": "main", "image": image, "imagePullPolicy": "Always", "command": ["sleep", "100000"]}]},
    })


def waiting(p):
    """The main container's waiting state ({} when not waiting)."""
    statuses = p["status"].get("containerStatuses") or [{}]
    return statuses[0].get("state", {}).get("waiting", {})


def events_of(node, name):
    items = json.loads(node.server.kubectl("get", "events", "-o", "json").stdout)["items"]
    return [(e["reason"], e.get("message", "")) for e in items if e["involvedObject"].get("name") == name]


@pytest.fixture(scope="module")
def setup():
    with Registry() as registry, tempfile.TemporaryDirectory(prefix="swiftlet-registries-") as d:
        endpoint = f"http://127.0.0.1:{registry.port}"
        registries = os.path.join(d, "registries.yaml")
        with open(registries, "w") as f:
            f.write(f'mirrors:\n  "{OPEN_HOST}":\n    endpoint: ["{endpoint}"]\n  "{AUTHED_HOST}":\n    endpoint: ["{endpoint}"]\n'
                    f'configs:\n  "{AUTHED_HOST}":\n    auth: {{username: {USER}, password: {PASSWORD}}}\n')
        with real_node("pull-node", extra_args=["--private-registry", registries]) as n:
            s = n.server
            s.kubectl("create", "secret", "docker-registry", "regcred", f"--docker-server={OPEN_HOST}",
                      f"--docker-username={USER}", f"--docker-password={PASSWORD}")
            s.kubectl("create", "secret", "docker-registry", "wrongcred", f"--docker-server={OPEN_HOST}",
                      f"--docker-username={USER}", "--docker-password=wrong")
            yield n, registry


def test_pull_with_image_pull_secret(setup):
    node, registry = setup
    node.server.kubectl("apply", "-f", "-", input=pod("with-secret", f"{OPEN_HOST}/{REPO}:{TAG}", ["missing-one", "regcred"]))
    node.wait_pod("with-secret", lambda p: p["status"].get("phase") == "Running", timeout=90,
                  message="with-secret Running")
    reasons = [r for r, _ in events_of(node, "with-secret")]
    assert "Pulling" in reasons and "Pulled" in reasons, reasons
    # The missing secret is reported, and the pull went on with the one that exists.
    assert ("FailedToRetrieveImagePullSecret",
            "Unable to retrieve some image pull secrets (missing-one); attempting to pull the image may not succeed.") \
        in events_of(node, "with-secret")
    served = {path for _, path, user, status in registry.requests if user == USER and status == 200}
    assert any("/manifests/" in path for path in served) and sum("/blobs/" in path for path in served) == 2, registry.requests
    r = node.server.kubectl("exec", "with-secret", "--", "cat", "/etc/marker")
    assert r.stdout == "served-by-the-test-registry\n"


@pytest.mark.parametrize("name,secrets", [("no-secret", []), ("wrong-secret", ["wrongcred"])])
def test_pull_without_valid_credentials_backs_off(setup, name, secrets):
    node, _ = setup
    node.server.kubectl("apply", "-f", "-", input=pod(name, f"{OPEN_HOST}/{REPO}:{TAG}", secrets))
    first = node.wait_pod(name, lambda p: waiting(p).get("reason") in ("ErrImagePull", "ImagePullBackOff"), timeout=60,
                          message=f"{name} failing to pull")
    assert "401" in waiting(first).get("message", ""), waiting(first)
    backoff = node.wait_pod(name, lambda p: waiting(p).get("reason") == "ImagePullBackOff", timeout=30,
                            message=f"{name} in ImagePullBackOff")
    message = waiting(backoff)["message"]
    assert message.startswith(f'Back-off pulling image "{OPEN_HOST}/{REPO}:{TAG}"') and "401" in message, message
    assert backoff["status"]["phase"] == "Pending"
    events = events_of(node, name)
    assert any(r == "Failed" and "401" in m for r, m in events), events
    assert ("Failed", "Error: ErrImagePull") in events, events
    assert ("BackOff", f'Back-off pulling image "{OPEN_HOST}/{REPO}:{TAG}"') in events, events
    # The backoff holds the next pull for 10 s, so the registry is not hammered meanwhile.
    items = json.loads(node.server.kubectl("get", "events", "-o", "json").stdout)["items"]
    pulls = sum(e.get("count", 1) for e in items if e["involvedObject"].get("name") == name and e["reason"] == "Pulling")
    assert pulls == 1, events


def test_registries_yaml_credentials_alone(setup):
    node, registry = setup
    node.server.kubectl("apply", "-f", "-", input=pod("registries-auth", f"{AUTHED_HOST}/{REPO}:{TAG}"))
    node.wait_pod("registries-auth", lambda p: p["status"].get("phase") == "Running", timeout=90,
                  message="registries-auth Running")
    assert any(r == "Pulled" for r, _ in events_of(node, "registries-auth"))


def test_pull_retries_when_the_backoff_ends(setup):
    """A pod whose pull secret appears while it backs off pulls at the end of the backoff."""
    node, _ = setup
    node.server.kubectl("apply", "-f", "-", input=pod("late", f"{OPEN_HOST}/{REPO}:{TAG}", ["late-cred"]))
    node.wait_pod("late", lambda p: waiting(p).get("reason") == "ImagePullBackOff", timeout=60, message="late in ImagePullBackOff")
    node.server.kubectl("create", "secret", "docker-registry", "late-cred", f"--docker-server={OPEN_HOST}",
                        f"--docker-username={USER}", f"--docker-password={PASSWORD}")
    # The first backoff is 10 s; then the pull runs again, now with the secret.
    node.wait_pod("late", lambda p: p["status"].get("phase") == "Running", timeout=40, message="late Running")
    items = json.loads(node.server.kubectl("get", "events", "-o", "json").stdout)["items"]
    pulls = sum(e.get("count", 1) for e in items if e["involvedObject"].get("name") == "late" and e["reason"] == "Pulling")
    assert pulls == 2, items
