"""A `swiftlet server` with the real node (containerd, the kubelet on CRI, the CNI bridge) for
the node tests: a busybox image in `docker save` format is written into `<data-dir>/agent/images/`
before the start (the air-gap directory), so nothing is pulled. Everything the node leaves behind
by design (shims, their mounts, the bridge) is removed afterwards, by PID and by path."""
import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile

import pytest

from conftest import Server, processes_mentioning, wait_for

requires_containerd = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("containerd") or not shutil.which("ctr")
    or not os.path.exists("/bin/busybox") or not os.path.isdir("/usr/lib/cni"),
    reason="needs root, containerd, ctr, busybox-static and containernetworking-plugins")

IMAGE = "docker.io/library/busybox:test"
NODE_LOCK = "/tmp/swiftlet-real-node.lock"
ROUTE_LOCALNET = "/proc/sys/net/ipv4/conf/all/route_localnet"
APPLETS = ["nslookup", "wget", "sh", "sleep", "echo", "cat", "nc", "httpd", "ls", "stty", "wc", "tar"]


def write_busybox_image(path):
    """A one-layer image with /bin/busybox and applet links, as `docker save` writes it."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        for d in ["bin", "tmp", "etc"]:
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            t.addfile(info)
        with open("/bin/busybox", "rb") as f:
            data = f.read()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        t.addfile(info, io.BytesIO(data))
        for applet in APPLETS:
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            t.addfile(info)
    layer_bytes = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    config = json.dumps({
        "architecture": arch, "os": "linux",
        "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [IMAGE], "Layers": ["layer/layer.tar"]}]).encode()
    with tarfile.open(path, "w") as t:
        for name, data in [(config_name, config), ("layer/layer.tar", layer_bytes), ("manifest.json", manifest)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def pod_manifest(name, command, restart="Always"):
    return json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"restartPolicy": restart, "terminationGracePeriodSeconds": 2, "containers": [{
            "name": "main", "image": "busybox:test", "imagePullPolicy": "Never", "command": command,
            "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        }]},
    })



def unmount_under(path):
    """Lazily unmounts every mount point under `path` (this test's own directory), deepest first."""
    root = os.path.realpath(path) + "/"
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f if line.split()[4].startswith(root)]
    for point in sorted(points, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)


class RealNode:
    """The server, its data dir and containerd's socket, with helpers the node tests share."""

    def __init__(self, server, data):
        self.server = server
        self.data = data
        self.sock = os.path.join(server.run_dir, "containerd", "containerd.sock")

    def ctr(self, *args):
        r = subprocess.run(["ctr", "--address", self.sock, "-n", "k8s.io", *args], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout

    def containers_of(self, uid):
        """containerd's containers (sandbox and app) labelled with the pod's UID."""
        found = []
        for cid in self.ctr("containers", "ls", "-q").split():
            r = subprocess.run(["ctr", "--address", self.sock, "-n", "k8s.io", "containers", "info", cid],
                               capture_output=True, text=True, timeout=30)
            if r.returncode == 0 and json.loads(r.stdout).get("Labels", {}).get("io.kubernetes.pod.uid") == uid:
                found.append(cid)
        return found

    def get(self, kind, name, namespace="default"):
        return json.loads(self.server.kubectl("get", kind, name, "-n", namespace, "-o", "json").stdout)

    def wait_ready(self, timeout=60):
        """The node, once it reports Ready."""
        return wait_for(lambda: next((n for n in json.loads(self.server.kubectl("get", "nodes", "-o", "json").stdout)["items"]
                                      if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))), None),
                        timeout, interval=0.5, message="node Ready")

    def wait_pod(self, name, predicate, timeout=60, message=None, namespace="default"):
        """The pod `name` once `predicate(pod)` holds."""
        return wait_for(lambda: (lambda p: p if predicate(p) else None)(self.get("pod", name, namespace)), timeout, interval=0.5,
                        message=message or f"pod {name}")


@contextlib.contextmanager
def real_node(node_name, before_start=None, extra_args=()):
    """Starts `swiftlet server` with the real node and yields a `RealNode`; afterwards checks that
    the server stopped cleanly and that nothing of this test is left running.
    `before_start(data_dir)` may add files (manifests, images) before the start."""
    # One real node at a time on this machine: they share the swiftlet0 bridge and its addresses.
    # Other users of the bridge (benchmarks, other checkouts) take the same lock.
    with open(NODE_LOCK, "w") as lock, tempfile.TemporaryDirectory(prefix="swiftlet-e2e-") as d:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = os.path.join(d, "data")
        os.makedirs(os.path.join(data, "agent", "images"))
        write_busybox_image(os.path.join(data, "agent", "images", "busybox.tar"))
        if before_start:
            before_start(data)
        s = Server(d, agent=True, extra_args=["--node-name", node_name, *extra_args])
        node = RealNode(s, data)
        had_bridge = os.path.exists("/sys/class/net/swiftlet0")
        # The proxy's table and the kubelet's pod masquerade table.
        had_tables = {t: subprocess.run(["nft", "list", "table", "ip", t], capture_output=True).returncode == 0
                      for t in ("swiftlet", "swiftlet-pods")}
        with open(ROUTE_LOCALNET) as f:
            route_localnet = f.read()
        try:
            s.start(timeout=120)
            yield node
        finally:
            if s.proc and s.proc.poll() is None:
                # Pods a failed check left behind go first, so no container outlives the server
                # (a leftover keeps its IP on the shared bridge, where the next test's pod may get it).
                s.kubectl("delete", "pods", "--all", "--all-namespaces", "--grace-period=0", "--force", "--wait=true",
                          check=False, timeout=90)
                try:
                    wait_for(lambda: node.ctr("containers", "ls", "-q").strip() == "", 30, interval=0.5, message="no containers left")
                except AssertionError:
                    pass  # what is left is killed and unmounted below
            code = s.stop()
            # Leftovers of this test only: shims and containers name our socket or state dir.
            leftovers = processes_mentioning(node.sock)
            for pid in leftovers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            # containerd's mounts (netns, shm, rootfs) and the pods' volume tmpfs, deepest first.
            unmount_under(d)
            # The pod bridge this test's node made (the product keeps it, as K3s keeps cni0).
            if not had_bridge:
                subprocess.run(["ip", "link", "del", "swiftlet0"], capture_output=True)
            # The nftables tables and sysctl stay after a stop by design (`swiftlet killall` removes them).
            for table, had in had_tables.items():
                if not had:
                    subprocess.run(["nft", "delete", "table", "ip", table], capture_output=True)
            with open(ROUTE_LOCALNET, "w") as f:
                f.write(route_localnet)
        assert code == 0, "".join(s.output)
        assert leftovers == [], f"processes of this test left running: {leftovers}"
