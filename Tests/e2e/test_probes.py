"""Probes, lifecycle hooks and graceful termination on the real node (containerd, the kubelet
on CRI): one server runs several pods at once, each showing one behaviour, with periods of
a second so the whole module takes well under a minute of waiting."""
import json
import os
import time

import pytest

from conftest import wait_for
from realnode import real_node, requires_containerd

pytestmark = requires_containerd


def pod(name, command, grace=2, **container):
    spec = {"name": "main", "image": "busybox:test", "imagePullPolicy": "Never", "command": command}
    spec.update(container)
    return json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"terminationGracePeriodSeconds": grace, "containers": [spec]},
    })


def exec_probe(command, **timing):
    probe = {"exec": {"command": command}, "periodSeconds": 1}
    probe.update(timing)
    return probe


@pytest.fixture(scope="module")
def node():
    with real_node("probe-node") as n:
        n.wait_ready()
        n.server.data = n.data
        yield n.server


def get(s, name):
    return json.loads(s.kubectl("get", "pod", name, "-o", "json").stdout)


def container_status(s, name):
    return (get(s, name)["status"].get("containerStatuses") or [{}])[0]


def events_of(s, name):
    items = json.loads(s.kubectl("get", "events", "-o", "json").stdout)["items"]
    return [(e["reason"], e["message"]) for e in items if e["involvedObject"].get("name") == name]


def table_row(s, name):
    """`kubectl get pod <name>` as NAME READY STATUS RESTARTS (AGE dropped)."""
    lines = s.kubectl("get", "pod", name).stdout.strip().splitlines()
    return lines[1].split()[:4]


def test_probes_and_hooks(node):
    s = node
    # Liveness: healthy for 4 s, then `cat /tmp/healthy` fails and the container is restarted.
    s.kubectl("apply", "-f", "-", input=pod(
        "liveness", ["sh", "-c", "echo ok > /tmp/healthy; sleep 4; busybox rm /tmp/healthy; sleep 600"],
        livenessProbe=exec_probe(["cat", "/tmp/healthy"], initialDelaySeconds=1, failureThreshold=2)))
    # Readiness over HTTP by port name: httpd starts serving after 8 s.
    s.kubectl("apply", "-f", "-", input=pod(
        "readiness", ["sh", "-c", "sleep 8; echo ready > /tmp/index.html; httpd -f -p 18080 -h /tmp"],
        ports=[{"name": "http", "containerPort": 18080}],
        readinessProbe={"httpGet": {"port": "http", "path": "/index.html"}, "periodSeconds": 1}))
    # Startup gates liveness: the liveness check would fail (threshold 1) until the startup
    # file exists at 8 s; had it run before the startup probe succeeded, the container would restart.
    s.kubectl("apply", "-f", "-", input=pod(
        "startup", ["sh", "-c", "sleep 8; echo > /tmp/started; sleep 600"],
        startupProbe=exec_probe(["cat", "/tmp/started"], failureThreshold=30),
        livenessProbe=exec_probe(["cat", "/tmp/started"], failureThreshold=1)))
    # Hooks: both write to the container's stdout (its log); `sleep` as PID 1 ignores SIGTERM,
    # so deletion waits for the 3 s grace period.
    s.kubectl("apply", "-f", "-", input=pod(
        "hooks", ["sleep", "600"], grace=3,
        lifecycle={"postStart": {"exec": {"command": ["sh", "-c", "echo poststart-ran > /proc/1/fd/1"]}},
                   "preStop": {"exec": {"command": ["sh", "-c", "echo prestop-ran > /proc/1/fd/1"]}}}))

    # Polled through the Python client (kubectl is slow on a busy machine): the readiness pod
    # runs unready before httpd serves, and the startup pod runs a while with started=false.
    client, api_client = s.client()
    v1 = client.CoreV1Api(api_client)

    def running_status(name):
        statuses = v1.read_namespaced_pod(name, "default").status.container_statuses or []
        return statuses[0] if statuses and statuses[0].state.running else None

    early = wait_for(lambda: running_status("startup"), 30, interval=0.1, message="startup running")
    assert early.started is False and early.ready is False, early
    early = wait_for(lambda: running_status("readiness"), 30, interval=0.1, message="readiness running")
    assert early.ready is False, early
    row = table_row(s, "readiness")
    assert row[1:3] == ["0/1", "Running"], row

    # Readiness: `kubectl wait` sees the Ready condition.
    s.kubectl("wait", "--for=condition=Ready", "pod/readiness", "--timeout=60s", timeout=70)
    assert table_row(s, "readiness")[1] == "1/1"
    conditions = {c["type"]: c["status"] for c in get(s, "readiness")["status"]["conditions"]}
    assert conditions["ContainersReady"] == "True" and conditions["Ready"] == "True"
    assert any(r == "Unhealthy" and m.startswith("Readiness probe failed: Get \"http://") for r, m in events_of(s, "readiness")), events_of(s, "readiness")

    # Startup: not started at first, then started and ready without a restart.
    s.kubectl("wait", "--for=condition=Ready", "pod/startup", "--timeout=60s", timeout=70)
    started = wait_for(lambda: (lambda c: c if c.get("started") and c.get("ready") else None)(container_status(s, "startup")),
                       40, interval=0.5, message="startup started")
    assert started["restartCount"] == 0, started
    assert not any(m.startswith("Liveness probe failed") for _, m in events_of(s, "startup")), events_of(s, "startup")

    # Liveness: restarted, with the upstream events, and RESTARTS >= 1 in the table.
    wait_for(lambda: container_status(s, "liveness").get("restartCount", 0) >= 1, 60, interval=0.5, message="liveness restarted")
    row = table_row(s, "liveness")
    assert int(row[3]) >= 1, row
    events = events_of(s, "liveness")
    assert any(r == "Unhealthy" and m.startswith("Liveness probe failed: cat: can't open '/tmp/healthy'") for r, m in events), events
    assert ("Killing", "Container main failed liveness probe, will be restarted") in events, events
    assert container_status(s, "liveness")["lastState"]["terminated"]["exitCode"] in (137, 143)

    # Hooks and grace: postStart ran at start, preStop before the stop; SIGTERM is ignored,
    # so the deletion takes the 3 s grace period (not the default 30 s).
    hooks = wait_for(lambda: (lambda p: p if p["status"].get("phase") == "Running" else None)(get(s, "hooks")), 30, interval=0.3, message="hooks Running")
    log = os.path.join(s.data, "agent", "pod-logs", f"default_hooks_{hooks['metadata']['uid']}", "main", "0.log")
    wait_for(lambda: "poststart-ran" in open(log).read(), 10, interval=0.3, message="postStart output in the log")
    begin = time.monotonic()
    s.kubectl("delete", "pod", "hooks", "--wait=true", timeout=60)
    took = time.monotonic() - begin
    assert 2.5 <= took < 15, took
    with open(log) as f:
        assert "prestop-ran" in f.read()
    assert ("Killing", "Stopping container main") in events_of(s, "hooks")


def test_failing_hooks_and_bad_probes(node):
    s = node
    # A failing postStart hook kills the container (FailedPostStartHook) and it restarts.
    s.kubectl("apply", "-f", "-", input=pod(
        "badhook", ["sleep", "600"], lifecycle={"postStart": {"exec": {"command": ["sh", "-c", "exit 3"]}}}))
    # A probe naming a port the container does not have: a clear event, never ready, no crash.
    s.kubectl("apply", "-f", "-", input=pod(
        "badprobe", ["sleep", "600"], readinessProbe={"tcpSocket": {"port": "missing"}, "periodSeconds": 1}))
    wait_for(lambda: any(r == "FailedPostStartHook" for r, _ in events_of(s, "badhook")), 30, interval=0.5, message="FailedPostStartHook")
    message = next(m for r, m in events_of(s, "badhook") if r == "FailedPostStartHook")
    assert "Exec lifecycle hook ([sh -c exit 3]) for Container \"main\"" in message and "exited with 3" in message, message
    wait_for(lambda: container_status(s, "badhook").get("restartCount", 0) >= 1, 30, interval=0.5, message="badhook restarted")
    wait_for(lambda: any("Readiness probe errored" in m and "couldn't find port \"missing\"" in m for _, m in events_of(s, "badprobe")),
             30, interval=0.5, message="bad probe event")
    status = container_status(s, "badprobe")
    assert "running" in status["state"] and status["ready"] is False, status
    s.kubectl("delete", "pod", "badhook", "badprobe", "--wait=true", timeout=60)
