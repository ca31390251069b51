"""`swiftlet server` with the node agent runs real pods: containerd, the kubelet on CRI, the CNI
bridge. A busybox image is written in `docker save` format into `<data-dir>/agent/images/` before
the start (the air-gap directory), so nothing is pulled."""
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile

import pytest

from conftest import Server, processes_mentioning, wait_for

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("containerd") or not shutil.which("ctr")
    or not os.path.exists("/bin/busybox") or not os.path.isdir("/usr/lib/cni"),
    reason="needs root, containerd, ctr, busybox-static and containernetworking-plugins")

IMAGE = "docker.io/library/busybox:test"
APPLETS = ["sh", "sleep", "echo", "cat", "nc", "httpd", "ls"]


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


def test_node_runs_pods_on_containerd():
    with tempfile.TemporaryDirectory(prefix="swiftlet-e2e-") as d:
        data = os.path.join(d, "data")
        os.makedirs(os.path.join(data, "agent", "images"))
        write_busybox_image(os.path.join(data, "agent", "images", "busybox.tar"))
        s = Server(d, agent=True, extra_args=["--node-name", "e2e-node"])
        sock = os.path.join(s.run_dir, "containerd", "containerd.sock")

        def ctr(*args):
            r = subprocess.run(["ctr", "--address", sock, "-n", "k8s.io", *args], capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, r.stderr
            return r.stdout

        def containers_of(uid):
            """containerd's containers (sandbox and app) labelled with the pod's UID."""
            found = []
            for cid in ctr("containers", "ls", "-q").split():
                r = subprocess.run(["ctr", "--address", sock, "-n", "k8s.io", "containers", "info", cid],
                                   capture_output=True, text=True, timeout=30)
                if r.returncode == 0 and json.loads(r.stdout).get("Labels", {}).get("io.kubernetes.pod.uid") == uid:
                    found.append(cid)
            return found

        def get(kind, name):
            return json.loads(s.kubectl("get", kind, name, "-o", "json").stdout)

        had_bridge = os.path.exists("/sys/class/net/swiftlet0")
        try:
            s.start(timeout=120)
            node = wait_for(lambda: next((n for n in json.loads(s.kubectl("get", "nodes", "-o", "json").stdout)["items"]
                                                         if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))), None), 60, interval=0.5, message="node Ready")
            assert node["metadata"]["name"] == "e2e-node"
            assert node["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == "true"
            assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
            assert int(node["status"]["capacity"]["pods"]) == 110
            with open(os.path.join(data, "agent", "etc", "cni", "net.d", "10-swiftlet.conflist")) as f:
                assert node["spec"]["podCIDR"] in f.read()
            lease = json.loads(s.kubectl("get", "lease", "-n", "kube-node-lease", "e2e-node", "-o", "json").stdout)
            assert lease["spec"]["holderIdentity"] == "e2e-node"

            s.kubectl("apply", "-f", "-", input=pod_manifest("web", ["httpd", "-f", "-p", "8080", "-h", "/"]))
            s.kubectl("apply", "-f", "-", input=pod_manifest("fails", ["sh", "-c", "echo $POD_NAME; exit 3"], restart="Never"))
            s.kubectl("apply", "-f", "-", input=pod_manifest("crash", ["sh", "-c", "exit 1"]))

            web = wait_for(lambda: (lambda p: p if p["status"].get("phase") == "Running" and p["status"].get("podIP") else None)(get("pod", "web")), 60, interval=0.5, message="web Running")
            ip = web["status"]["podIP"]
            assert ip.startswith("10.42."), ip
            status = web["status"]["containerStatuses"][0]
            assert status["ready"] is True and status["containerID"].startswith("containerd://")
            assert status["state"]["running"]["startedAt"]
            conditions = {c["type"]: c["status"] for c in web["status"]["conditions"]}
            assert conditions["Ready"] == "True" and conditions["ContainersReady"] == "True"
            with socket.create_connection((ip, 8080), timeout=5) as c:
                c.sendall(b"GET /bin/ HTTP/1.0\r\n\r\n")
                assert c.recv(100).startswith(b"HTTP/1.")

            failed = wait_for(lambda: (lambda p: p if p["status"].get("phase") == "Failed" else None)(get("pod", "fails")), 60, interval=0.5, message="fails Failed")
            terminated = failed["status"]["containerStatuses"][0]["state"]["terminated"]
            assert terminated["exitCode"] == 3, failed["status"]
            logs_dir = os.path.join(data, "agent", "pod-logs", f"default_fails_{failed['metadata']['uid']}", "main")
            with open(os.path.join(logs_dir, "0.log")) as f:
                assert "stdout F fails" in f.read()
            events = json.loads(s.kubectl("get", "events", "-o", "json").stdout)["items"]
            reasons = {e["reason"] for e in events if e["involvedObject"].get("name") == "web"}
            assert {"Pulled", "Created", "Started"} <= reasons, reasons

            # Restarted at once after the first exit, then held in CrashLoopBackOff (10 s).
            def crash_looping():
                c = get("pod", "crash")["status"].get("containerStatuses", [{}])[0]
                waiting = c.get("state", {}).get("waiting", {})
                return c if c.get("restartCount", 0) >= 1 and waiting.get("reason") == "CrashLoopBackOff" else None
            crash = wait_for(crash_looping, 30, interval=0.5, message="crash in CrashLoopBackOff")
            assert crash["lastState"]["terminated"]["exitCode"] == 1, crash
            assert get("pod", "crash")["status"]["phase"] == "Running"

            # A restarted kubelet adopts running pods (same container) and removes the sandboxes
            # of pods deleted while it was away.
            crash_uid = get("pod", "crash")["metadata"]["uid"]
            assert containers_of(crash_uid)
            s.swiftlet("stop", "kubelet")
            s.kubectl("delete", "pod", "crash", "--grace-period=0", "--force", "--wait=false")
            s.swiftlet("start", "kubelet")
            wait_for(lambda: containers_of(crash_uid) == [], 30, interval=0.5, message="crash's sandbox removed")
            assert get("pod", "web")["status"]["containerStatuses"][0]["containerID"] == status["containerID"]
            with socket.create_connection((ip, 8080), timeout=5):
                pass

            # Sandbox (pause) and app containers of the remaining pods, as containerd lists them.
            before = ctr("containers", "ls", "-q").split()
            assert len(before) >= 3, before
            uids = [web["metadata"]["uid"], failed["metadata"]["uid"], crash_uid]
            s.kubectl("delete", "pod", "web", "fails", "--wait=true", timeout=60)
            wait_for(lambda: ctr("containers", "ls", "-q").strip() == "", 30, interval=0.5, message="no containers left")
            wait_for(lambda: not any(
                os.path.exists(f"/sys/fs/cgroup/memory/kubepods/besteffort/pod{uid}") for uid in uids), 10, interval=0.5, message="pod cgroups removed")
        finally:
            code = s.stop()
            # Leftovers of this test only: shims and containers name our socket or state dir.
            leftovers = processes_mentioning(sock)
            for pid in leftovers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            subprocess.run(["umount", "-R", "-l", os.path.join(data, "agent", "containerd")], capture_output=True)
            # The pod bridge this test's node made (the product keeps it, as K3s keeps cni0).
            if not had_bridge:
                subprocess.run(["ip", "link", "del", "swiftlet0"], capture_output=True)
        assert code == 0, "".join(s.output)
        assert leftovers == [], f"processes of this test left running: {leftovers}"
