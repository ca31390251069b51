"""The control socket against a real `swiftlet server`: status, restart, stop and start of the
apiserver through the `swiftlet` CLI."""
import json
import time


def swiftlet(s, *args, check=True):
    return s.swiftlet(*args, check=check)


def apiserver(s):
    components = json.loads(swiftlet(s, "status", "-o", "json").stdout)["components"]
    return next(c for c in components if c["name"] == "apiserver")


def wait_ready(s, timeout=5):
    deadline = time.time() + timeout
    while True:
        c = apiserver(s)
        if c["ready"] and c["pid"]:
            return c
        if time.time() > deadline:
            raise AssertionError(f"apiserver not ready within {timeout}s: {c}")
        time.sleep(0.1)


def test_status_lists_apiserver_ready(server):
    c = wait_ready(server)
    assert c["state"] == "ready"
    assert c["pid"] == server.apiserver_pid()
    table = swiftlet(server, "status").stdout
    assert table.splitlines()[0].split() == ["COMPONENT", "STATE", "PID", "UPTIME", "RESTARTS", "LAST-EXIT", "READY", "HEALTHY"]
    assert any(line.startswith("apiserver") for line in table.splitlines())


def test_unknown_component_is_an_error(server):
    r = swiftlet(server, "restart", "no-such-component", check=False)
    assert r.returncode == 1
    assert 'unknown component "no-such-component"' in r.stderr


def test_restart_gives_a_new_pid_and_kubectl_answers(server):
    before = wait_ready(server)
    out = swiftlet(server, "restart", "apiserver").stdout
    after = wait_ready(server, timeout=5)
    assert after["pid"] != before["pid"]
    assert f"restarted apiserver (pid {before['pid']} -> " in out
    server.kubectl("get", "namespaces")


def test_stop_then_start(server):
    wait_ready(server)
    swiftlet(server, "stop", "apiserver")
    c = apiserver(server)
    assert c["state"] == "stopped"
    assert c["pid"] is None
    assert server.kubectl("get", "namespaces", "--request-timeout=3s", check=False).returncode != 0
    swiftlet(server, "start", "apiserver")
    wait_ready(server, timeout=5)
    server.kubectl("get", "namespaces")
