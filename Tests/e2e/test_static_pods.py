"""Static pods: manifests in `<data-dir>/agent/pod-manifests` run on the node and show in the API as
mirror pods, which follow the file (edited, removed) and come back when deleted by hand."""
import json
import os

from conftest import wait_for
from realnode import real_node, requires_containerd

pytestmark = requires_containerd

MANIFEST = """apiVersion: v1
kind: Pod
metadata:
  name: static-web
  namespace: kube-system
  labels: {app: static-web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    imagePullPolicy: Never
    command: ["sh", "-c", "echo VERSION; exec sleep 3600"]
"""


def test_static_pod_is_mirrored_and_follows_its_file():
    def write(version):
        def writer(data):
            directory = os.path.join(data, "agent", "pod-manifests")
            os.makedirs(directory, exist_ok=True)
            path = os.path.join(directory, "web.yaml")
            with open(path + ".tmp", "w") as f:
                f.write(MANIFEST.replace("VERSION", version))
            os.rename(path + ".tmp", path)
        return writer

    with real_node("e2e-static", before_start=write("v1")) as n:
        s = n.server
        manifests = os.path.join(n.data, "agent", "pod-manifests")
        node = n.wait_ready()
        running = lambda p: p["status"].get("phase") == "Running"  # noqa: E731
        mirror = n.wait_pod("static-web-e2e-static", running, timeout=90, message="mirror pod Running", namespace="kube-system")
        meta = mirror["metadata"]
        assert meta["namespace"] == "kube-system"
        assert meta["annotations"]["kubernetes.io/config.source"] == "file"
        assert meta["annotations"]["kubernetes.io/config.mirror"] == meta["annotations"]["kubernetes.io/config.hash"]
        assert meta["ownerReferences"][0]["kind"] == "Node" and meta["ownerReferences"][0]["uid"] == node["metadata"]["uid"]
        assert mirror["spec"]["nodeName"] == "e2e-static"
        first_uid = meta["uid"]

        def get():
            r = s.kubectl("get", "pod", "-n", "kube-system", "static-web-e2e-static", "-o", "json", check=False)
            return json.loads(r.stdout) if r.returncode == 0 else None

        # Deleted by hand: written again from the file.
        s.kubectl("delete", "pod", "-n", "kube-system", "static-web-e2e-static", "--wait=true", timeout=60)
        again = wait_for(lambda: (lambda p: p if p and p["metadata"]["uid"] != first_uid and running(p) else None)(get()),
                         60, interval=0.5, message="mirror pod written again")

        # The file changes: the pod is replaced by one of the new content.
        write("v2")(n.data)
        replaced = wait_for(lambda: (lambda p: p if p and p["metadata"]["uid"] != again["metadata"]["uid"] and running(p) else None)(get()),
                            60, interval=0.5, message="mirror pod replaced after the edit")
        assert replaced["metadata"]["annotations"]["kubernetes.io/config.hash"] != again["metadata"]["annotations"]["kubernetes.io/config.hash"]
        assert "v2" in replaced["spec"]["containers"][0]["command"][2]

        # A broken file next to it is skipped; the good one keeps running.
        with open(os.path.join(manifests, "broken.yaml"), "w") as f:
            f.write("kind: [unclosed\n")
        # The file goes away: so do the mirror and its containers.
        os.remove(os.path.join(manifests, "web.yaml"))
        wait_for(lambda: get() is None, 60, interval=0.5, message="mirror pod removed with its file")
        wait_for(lambda: n.containers_of(replaced["metadata"]["uid"]) == [], 30, interval=0.5, message="static pod's containers removed")
        assert any("static pod manifest skipped" in line and "broken.yaml" in line for line in s.output), "".join(s.output[-30:])
