"""`swiftlet server` with the node agent runs real pods: containerd, the kubelet on CRI, the CNI
bridge (see realnode.py for the server and the air-gapped busybox image)."""
import json
import os
import socket

from conftest import wait_for
from realnode import pod_manifest, real_node, requires_containerd

pytestmark = requires_containerd


def test_node_runs_pods_on_containerd():
    with real_node("e2e-node") as n:
        s, data, ctr, containers_of, get = n.server, n.data, n.ctr, n.containers_of, n.get
        node = n.wait_ready()
        assert node["metadata"]["name"] == "e2e-node"
        assert node["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == "true"
        assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
        assert int(node["status"]["capacity"]["pods"]) == 110
        with open(os.path.join(data, "agent", "etc", "cni", "net.d", "10-swiftlet.conflist")) as f:
            assert node["spec"]["podCIDR"] in f.read()
        lease = json.loads(s.kubectl("get", "lease", "-n", "kube-node-lease", "e2e-node", "-o", "json").stdout)
        assert lease["spec"]["holderIdentity"] == "e2e-node"

        # Ready (not only Running) once httpd answers: the kubelet's own probe reaches the pod
        # over the bridge as this test does.
        web_pod = json.loads(pod_manifest("web", ["httpd", "-f", "-p", "8080", "-h", "/"]))
        web_pod["spec"]["containers"][0]["readinessProbe"] = {"tcpSocket": {"port": 8080}, "periodSeconds": 1}
        s.kubectl("apply", "-f", "-", input=json.dumps(web_pod))
        s.kubectl("apply", "-f", "-", input=pod_manifest("fails", ["sh", "-c", "echo $POD_NAME; exit 3"], restart="Never"))
        s.kubectl("apply", "-f", "-", input=pod_manifest("crash", ["sh", "-c", "exit 1"]))

        web = wait_for(lambda: (lambda p: p if p["status"].get("phase") == "Running" and p["status"].get("podIP")
                                and p["status"]["containerStatuses"][0].get("ready") else None)(get("pod", "web")),
                       60, interval=0.5, message="web Running and Ready")
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

        # The whole server stops (supervisor, containerd, kubelet): the pod keeps serving, as its
        # shim is nobody's child; the restarted server adopts it, same container.
        assert s.stop() == 0, "".join(s.output)
        with socket.create_connection((ip, 8080), timeout=5) as c:
            c.sendall(b"GET /bin/ HTTP/1.0\r\n\r\n")
            assert c.recv(100).startswith(b"HTTP/1.")
        s.start(timeout=120)
        n.wait_ready()
        wait_for(lambda: get("pod", "web")["status"].get("phase") == "Running", 60, interval=0.5, message="web Running after the restart")
        assert get("pod", "web")["status"]["containerStatuses"][0]["containerID"] == status["containerID"]
        assert get("pod", "web")["status"]["containerStatuses"][0]["restartCount"] == 0

        # Sandbox (pause) and app containers of the remaining pods, as containerd lists them.
        before = ctr("containers", "ls", "-q").split()
        assert len(before) >= 3, before
        uids = [web["metadata"]["uid"], failed["metadata"]["uid"], crash_uid]
        s.kubectl("delete", "pod", "web", "fails", "--wait=true", timeout=60)
        wait_for(lambda: ctr("containers", "ls", "-q").strip() == "", 30, interval=0.5, message="no containers left")
        wait_for(lambda: not any(
            os.path.exists(f"/sys/fs/cgroup/memory/kubepods/besteffort/pod{uid}") for uid in uids), 10, interval=0.5, message="pod cgroups removed")
