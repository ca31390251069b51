"""`kubectl logs` through the apiserver to the kubelet's HTTPS API (:10250 upstream, port 0 here),
and the kubelet API's own rules: the apiserver's client certificate or a cluster admin only.
One server with the real node (containerd) serves every check."""
import http.client
import json
import os
import re
import ssl
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import wait_for
from realnode import real_node, requires_containerd

pytestmark = requires_containerd

NODE = "e2e-logs"


def pod(name, containers, restart="Always", node_name=None):
    spec = {"restartPolicy": restart, "terminationGracePeriodSeconds": 1, "containers": [
        {"name": c, "image": image, "imagePullPolicy": "Never", "command": ["sh", "-c", script]}
        for c, image, script in containers]}
    if node_name:
        spec["nodeName"] = node_name
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})


BUSYBOX = "busybox:test"


@pytest.fixture(scope="module")
def node_server():
    with real_node(NODE) as n:
        s = n.server
        n.wait_ready(timeout=90)
        s.kubectl("apply", "-f", "-", input=pod("printer", [("main", BUSYBOX,
            "for i in 1 2 3; do echo line-$i; done; sleep 8; echo late; sleep 2")], restart="Never"))
        s.kubectl("apply", "-f", "-", input=pod("two", [("a", BUSYBOX, "echo from-a; sleep 3600"),
                                                      ("b", BUSYBOX, "echo from-b; sleep 3600")]))
        s.kubectl("apply", "-f", "-", input=pod("crash", [("main", BUSYBOX, "echo run-$(cat /proc/sys/kernel/random/uuid); sleep 1; exit 1")]))
        s.kubectl("apply", "-f", "-", input=pod("noimage", [("main", "busybox:absent", "true")]))
        # Bound to a Node with no kubelet and no address (a Node that does not exist at all
        # would have the pod garbage-collected).
        s.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "no-address"}}))
        s.kubectl("apply", "-f", "-", input=pod("ghost", [("main", BUSYBOX, "true")], node_name="no-address"))
        yield s


def phase(s, name):
    return json.loads(s.kubectl("get", "pod", name, "-o", "json").stdout)["status"].get("phase")


def test_logs_follow_and_filters(node_server):
    s = node_server
    wait_for(lambda: "line-3" in s.kubectl("logs", "printer", check=False).stdout, 60, interval=0.3, message="printer's lines")
    # Started before `late` is printed: receives it, then ends with the container.
    started = time.time()
    follow = subprocess.Popen(["kubectl", "--kubeconfig", s.kubeconfig, "logs", "-f", "printer"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, HOME=s.workdir))
    try:
        out, err = follow.communicate(timeout=40)
    finally:
        if follow.poll() is None:
            follow.kill()
    assert follow.returncode == 0, err
    assert out == "line-1\nline-2\nline-3\nlate\n", out
    assert time.time() - started < 35
    wait_for(lambda: phase(s, "printer") == "Succeeded", 30, interval=0.5, message="printer Succeeded")

    # A finished pod's log stays readable, with every filter.
    assert s.kubectl("logs", "printer").stdout == "line-1\nline-2\nline-3\nlate\n"
    assert s.kubectl("logs", "printer", "--tail=2").stdout == "line-3\nlate\n"
    assert s.kubectl("logs", "printer", "--tail=0").stdout == ""
    assert s.kubectl("logs", "printer", "--limit-bytes=8").stdout == "line-1\nl"
    stamped = s.kubectl("logs", "printer", "--timestamps").stdout.splitlines()
    assert len(stamped) == 4
    for line in stamped:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) (line-\d|late)", line), line
    assert s.kubectl("logs", "printer", "--since=1h").stdout.count("\n") == 4
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = s.kubectl("logs", "printer", f"--since-time={future}", "--timestamps").stdout
    assert later == "", (future, later)
    # Between the first lines and `late` (8 s apart in the container).
    first = stamped[2].split(" ")[0]
    cut = datetime.strptime(first[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc) + timedelta(seconds=2)
    assert s.kubectl("logs", "printer", f"--since-time={cut.strftime('%Y-%m-%dT%H:%M:%SZ')}").stdout == "late\n"


def test_logs_containers_and_errors(node_server):
    s = node_server
    wait_for(lambda: phase(s, "two") == "Running", 60, interval=0.5, message="two Running")
    wait_for(lambda: "from-b" in s.kubectl("logs", "two", "-c", "b", check=False).stdout, 30, interval=0.3, message="b's line")
    assert s.kubectl("logs", "two", "-c", "a").stdout == "from-a\n"
    # The apiserver's own choice needs a container when there are several.
    r = s.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/two/log", check=False)
    assert r.returncode != 0 and "a container name must be specified for pod two, choose one of: [a b]" in r.stderr, r.stderr
    r = s.kubectl("logs", "two", "-c", "nope", check=False)
    assert r.returncode != 0 and "container nope is not valid for pod two" in r.stderr, r.stderr
    r = s.kubectl("logs", "two", "-c", "a", "--previous", check=False)
    assert r.returncode != 0 and 'previous terminated container "a" in pod "two" not found' in r.stderr, r.stderr
    r = s.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/two/log?container=a&tailLines=-3", check=False)
    assert r.returncode != 0 and "must be greater than or equal to 0" in r.stderr, r.stderr

    wait_for(lambda: (json.loads(s.kubectl("get", "pod", "noimage", "-o", "json").stdout)["status"]
                      .get("containerStatuses", [{}])[0].get("state", {}).get("waiting", {}).get("reason") == "ErrImageNeverPull"),
             60, interval=0.5, message="noimage waiting")
    r = s.kubectl("logs", "noimage", check=False)
    assert r.returncode != 0 and 'container "main" in pod "noimage" is waiting to start: ErrImageNeverPull' in r.stderr, r.stderr
    assert "BadRequest" in r.stderr
    r = s.kubectl("logs", "ghost", check=False)
    assert r.returncode != 0 and "no preferred addresses found; known addresses: []" in r.stderr, r.stderr

    # --previous after a restart: the earlier run's line, different from the current run's.
    def restarted():
        st = json.loads(s.kubectl("get", "pod", "crash", "-o", "json").stdout)["status"].get("containerStatuses", [{}])[0]
        return st if st.get("restartCount", 0) >= 1 else None
    wait_for(restarted, 60, interval=0.5, message="crash restarted")
    previous = s.kubectl("logs", "crash", "--previous").stdout
    assert re.fullmatch(r"run-[0-9a-f-]{36}\n", previous), previous

    # While a run is up (not in the restart back-off, where both name the run that just ended)
    # the current log is another run's.
    def runs_differ():
        before = s.kubectl("logs", "crash", "--previous", check=False).stdout
        now = s.kubectl("logs", "crash", check=False).stdout
        return re.fullmatch(r"run-[0-9a-f-]{36}\n", now) and before and now != before
    wait_for(runs_differ, 40, interval=0.3, message="a current run whose log differs from the previous one")


def kubelet_connections(port):
    """Established TCP connections to the kubelet API's port (the apiserver's side of them)."""
    out = subprocess.run(["ss", "-Htn", "state", "established", "dport", "=", f":{port}"],
                         capture_output=True, text=True, check=True).stdout
    return len(out.splitlines())


def test_follow_that_goes_away_closes_the_kubelet_connection(node_server):
    s = node_server
    with open(os.path.join(s.run_dir, "kubelet.port")) as f:
        port = int(f.read().strip())
    wait_for(lambda: phase(s, "two") == "Running", 60, interval=0.5, message="two Running")
    wait_for(lambda: kubelet_connections(port) == 0, 10, interval=0.2, message="no kubelet connection before the follow")
    follow = subprocess.Popen(["kubectl", "--kubeconfig", s.kubeconfig, "logs", "-f", "two", "-c", "a"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, HOME=s.workdir))
    try:
        assert follow.stdout.readline() == "from-a\n"
        assert kubelet_connections(port) == 1
    finally:
        follow.kill()
        follow.communicate()
    wait_for(lambda: kubelet_connections(port) == 0, 10, interval=0.2, message="the kubelet connection closed after kubectl left")


def kubelet_request(s, path, identity):
    """GET `path` on the kubelet API with the client certificate `identity` (None: no certificate)."""
    with open(os.path.join(s.run_dir, "kubelet.port")) as f:
        port = int(f.read().strip())
    tls = os.path.join(s.data_dir, "server", "tls")
    context = ssl.create_default_context(cafile=os.path.join(tls, "server-ca.crt"))
    if identity:
        context.load_cert_chain(os.path.join(tls, f"client-{identity}.crt"), os.path.join(tls, f"client-{identity}.key"))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def test_kubelet_api_authorization_and_endpoints(node_server):
    s = node_server
    with open(os.path.join(s.run_dir, "kubelet.port")) as f:
        port = int(f.read().strip())
    node = json.loads(s.kubectl("get", "node", NODE, "-o", "json").stdout)
    assert node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] == port

    status, body = kubelet_request(s, "/pods", None)
    assert status == 401 and json.loads(body)["reason"] == "Unauthorized", body
    status, body = kubelet_request(s, "/pods", "kube-proxy")
    assert status == 403, body
    assert json.loads(body)["message"] == "Forbidden (user=system:kube-proxy, verb=get, resource=nodes, subresource=proxy)"
    status, body = kubelet_request(s, "/pods", "kube-apiserver")
    assert status == 200 and {p["metadata"]["name"] for p in json.loads(body)["items"]} >= {"two", "crash"}, body
    status, _ = kubelet_request(s, "/healthz", None)  # health stays open to probes
    assert status == 200

    wait_for(lambda: phase(s, "two") == "Running", 60, interval=0.5, message="two Running")
    summary = json.loads(s.kubectl("get", "--raw", f"/api/v1/nodes/{NODE}/proxy/stats/summary").stdout)
    assert summary["node"]["nodeName"] == NODE
    assert summary["node"]["cpu"]["usageCoreNanoSeconds"] > 0 and "usageNanoCores" in summary["node"]["cpu"]
    assert summary["node"]["memory"]["workingSetBytes"] > 0
    two = next(p for p in summary["pods"] if p["podRef"]["name"] == "two")
    assert two["podRef"]["namespace"] == "default"
    assert {c["name"] for c in two["containers"]} == {"a", "b"}
    assert all(c["memory"]["workingSetBytes"] > 0 for c in two["containers"])
    metrics = s.kubectl("get", "--raw", f"/api/v1/nodes/{NODE}/proxy/metrics").stdout
    running = re.search(r"^kubelet_running_pods (\d+)$", metrics, re.M)
    assert running and int(running.group(1)) >= 2, metrics
    assert 'kubelet_pod_worker_duration_seconds_count{operation_type="sync"}' in metrics
