"""Node pressure: the kubelet reports DiskPressure when a hard eviction threshold is crossed
(`--kubelet-arg eviction-hard=...`, K3s's spelling), the node lifecycle controller taints the
node, and the scheduler keeps new pods off it unless they tolerate the taint."""
import json
import os
import subprocess

from conftest import BIN_DIR, wait_for
from realnode import pod_manifest, real_node, requires_containerd

pytestmark = requires_containerd


def test_disk_pressure_condition_taints_the_node():
    # Every file system has less than 100% free: the threshold is always crossed.
    args = ["--kubelet-arg", "eviction-hard=nodefs.available<100%,memory.available<1Mi",
            "--kubelet-arg", "eviction-pressure-transition-period=0s"]
    with real_node("e2e-pressure", extra_args=args) as n:
        s = n.server
        n.wait_ready()

        def node():
            return json.loads(s.kubectl("get", "node", "e2e-pressure", "-o", "json").stdout)

        def condition(type_):
            return next(c for c in node()["status"]["conditions"] if c["type"] == type_)

        disk = wait_for(lambda: (lambda c: c if c["status"] == "True" else None)(condition("DiskPressure")), 30, interval=0.5,
                        message="DiskPressure True")
        assert disk["reason"] == "KubeletHasDiskPressure"
        assert condition("MemoryPressure")["status"] == "False"
        assert condition("Ready")["status"] == "True"
        wait_for(lambda: any(t["key"] == "node.kubernetes.io/disk-pressure" and t["effect"] == "NoSchedule"
                             for t in node()["spec"].get("taints", [])), 30, interval=0.5, message="disk-pressure taint")

        s.kubectl("apply", "-f", "-", input=pod_manifest("plain", ["sleep", "3600"]))
        tolerating = json.loads(pod_manifest("tolerant", ["sleep", "3600"]))
        tolerating["spec"]["tolerations"] = [{"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"}]
        s.kubectl("apply", "-f", "-", input=json.dumps(tolerating))
        n.wait_pod("tolerant", lambda p: p["status"].get("phase") == "Running", message="tolerating pod Running")

        def failed_scheduling():
            events = json.loads(s.kubectl("get", "events", "--field-selector", "involvedObject.name=plain", "-o", "json").stdout)["items"]
            return [e for e in events if e["reason"] == "FailedScheduling"]
        events = wait_for(failed_scheduling, 30, interval=0.5, message="FailedScheduling for the plain pod")
        assert "node.kubernetes.io/disk-pressure" in events[0]["message"], events[0]["message"]
        assert n.get("pod", "plain")["spec"].get("nodeName") is None
        s.kubectl("delete", "pod", "plain", "tolerant", "--wait=true", timeout=60)


def test_bad_kubelet_arg_is_a_usage_error(tmp_path):
    r = subprocess.run([os.path.join(BIN_DIR, "swiftlet"), "server", "--data-dir", str(tmp_path), "--kubelet-arg", "max-pods=10"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 64, (r.returncode, r.stderr)
    assert "kubelet-arg" in r.stderr and "max-pods" in r.stderr, r.stderr
