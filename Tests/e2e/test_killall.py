"""`swiftlet killall`: with a pod running and a Service programmed, it stops the server and every
container of this installation and leaves no shim, mount, pod bridge or nftables table (the proxy's, the pod masquerade) behind
(the harness then checks that nothing of the test is left running)."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import processes_mentioning, wait_for
from realnode import pod_manifest, real_node, requires_containerd

pytestmark = [requires_containerd, pytest.mark.skipif(not shutil.which("nft"), reason="needs nft (nftables)")]


def mounts_under(*directories):
    roots = [os.path.realpath(d) + "/" for d in directories]
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if any(line.split()[4].startswith(r) for r in roots)]


def table_exists(name="swiftlet"):
    return subprocess.run(["nft", "list", "table", "ip", name], capture_output=True).returncode == 0


def masquerade_rule():
    r = subprocess.run(["nft", "list", "table", "ip", "swiftlet-pods"], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else ""


def test_killall_stops_everything_and_leaves_nothing_behind():
    with real_node("killall-node") as node:
        s = node.server
        s.kubectl("apply", "-f", "-", input=pod_manifest("sleeper", ["sleep", "3600"]))
        s.kubectl("create", "service", "clusterip", "sleeper", "--tcp=80:8080")
        node.wait_pod("sleeper", lambda p: p["status"].get("phase") == "Running", 90)
        wait_for(table_exists, 30, message="the proxy's nftables table")
        # The kubelet's node-wide masquerade for traffic leaving the cluster network (10.42.0.0/16).
        rule = masquerade_rule()
        assert "ip daddr != 10.42.0.0/16" in rule and "masquerade" in rule, rule
        assert processes_mentioning(node.sock), "the pod's shim"
        assert mounts_under(s.run_dir, s.data_dir), "the pod's mounts"

        out = s.swiftlet("killall", timeout=120).stdout
        assert "stopped the supervisor" in out and "containerd shim" in out, out
        assert s.proc.wait(timeout=30) == 0, "".join(s.output)
        assert processes_mentioning(node.sock) == []
        assert processes_mentioning(s.run_dir) == []
        assert mounts_under(s.run_dir, s.data_dir) == []
        assert not os.path.exists("/sys/class/net/swiftlet0")
        assert not table_exists()
        assert not table_exists("swiftlet-pods")
        # Data is kept: the datastore and the certificates are still there.
        assert os.path.exists(os.path.join(s.data_dir, "server", "db", "state.db"))

        again = s.swiftlet("killall").stdout
        assert "nothing of Swiftlet was running" in again, again


def test_killall_needs_root():
    if os.geteuid() != 0:
        pytest.skip("runs as root here")
    from conftest import BIN_DIR
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        os.path.join(BIN_DIR, "swiftlet"), "killall", "--data-dir", "/nonexistent", "--run-dir", "/nonexistent"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "must run as root" in r.stderr, r
