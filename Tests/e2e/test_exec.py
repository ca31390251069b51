"""`kubectl exec`, `attach` and `port-forward` (and the Python client's exec and port-forward)
through the apiserver and the kubelet to containerd's streaming server, on a real node: WebSocket
(kubectl's default), the SPDY fallback, and kubectl's port-forward WebSocket tunnel."""
import fcntl
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import termios
import time

import pytest

from realnode import real_node, requires_containerd

pytestmark = requires_containerd

SPDY = {"KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "false"}
SPDY_PF = {"KUBECTL_PORT_FORWARD_WEBSOCKETS": "false"}


def pod(name, command):
    return json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"terminationGracePeriodSeconds": 1, "containers": [{
            "name": "main", "image": "busybox:test", "imagePullPolicy": "Never", "command": command}]},
    })


@pytest.fixture(scope="module")
def node():
    with real_node("exec-node") as n:
        s = n.server
        s.kubectl("apply", "-f", "-", input=pod("shell", ["sleep", "100000"]))
        s.kubectl("apply", "-f", "-", input=pod("web", ["sh", "-c", "echo hello-pf > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]))
        s.kubectl("apply", "-f", "-", input=pod("ticker", ["sh", "-c", "while true; do echo tick; sleep 0.5; done"]))
        for name in ["shell", "web", "ticker"]:
            n.wait_pod(name, lambda p: p["status"].get("phase") == "Running", timeout=90, message=f"{name} Running")
        yield s


def kubectl(s, *args, env=None, input=None, timeout=30):
    cmd = ["kubectl", "--kubeconfig", s.kubeconfig, "--cache-dir", s.cache_dir, *args]
    return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, HOME=s.workdir, **(env or {})))


def upgraded_with(stderr, subresource):
    """The method of the request that got `101` at -v=6 (kubectl logs each round trip)."""
    found = re.findall(rf"(GET|POST) https://\S+/{subresource}\S* 101 Switching Protocols", stderr)
    return found[-1] if found else None


@pytest.mark.parametrize("env", [{}, SPDY], ids=["websocket", "spdy"])
def test_exec_output_and_exit_codes(node, env):
    r = kubectl(node, "-v=6", "exec", "shell", "--", "echo", "hi", env=env)
    assert (r.returncode, r.stdout) == (0, "hi\n"), r.stderr
    # WebSocket is a GET, the SPDY fallback a POST: no silent fallback.
    assert upgraded_with(r.stderr, "exec") == ("POST" if env else "GET"), r.stderr
    assert ("POST" in r.stderr) == bool(env), r.stderr
    r = kubectl(node, "exec", "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 3", env=env)
    assert r.returncode == 3, r.stderr
    assert r.stdout == "out\n" and "err" in r.stderr, (r.stdout, r.stderr)


@pytest.mark.parametrize("env", [{}, SPDY], ids=["websocket", "spdy"])
def test_exec_stdin_reaches_its_end(node, env):
    # Over WebSocket kubectl offers v5 only and ends stdin with a close message on channel 255;
    # containerd 1.6 speaks v4 at most, so the kubelet speaks SPDY to it and ends the stdin stream.
    r = kubectl(node, "exec", "-i", "shell", "--", "sh", "-c", "cat; echo done; exit 4", env=env, input="line1\nline2\n")
    assert (r.returncode, r.stdout) == (4, "line1\nline2\ndone\n"), r.stderr
    # A megabyte in, in many messages, all of it counted before the end; and a megabyte through.
    r = kubectl(node, "exec", "-i", "shell", "--", "wc", "-c", env=env, input="x" * 1_000_000)
    assert (r.returncode, r.stdout.strip()) == (0, "1000000"), r.stderr
    data = "".join(f"{i:07d}\n" for i in range(125_000))
    r = kubectl(node, "exec", "-i", "shell", "--", "cat", env=env, input=data)
    assert r.returncode == 0 and r.stdout == data, (r.stderr, len(r.stdout))
    # No input at all: stdin ends at once.
    r = kubectl(node, "exec", "-i", "shell", "--", "cat", env=env, input="")
    assert (r.returncode, r.stdout) == (0, ""), r.stderr


def test_cp_both_ways(node, tmp_path):
    # kubectl cp runs tar in the pod with the archive on stdin (into the pod) or stdout (out of it).
    source = tmp_path / "in.txt"
    source.write_bytes(b"copied\n" * 5000)
    r = kubectl(node, "cp", str(source), "shell:/tmp/in.txt")
    assert r.returncode == 0, r.stderr
    r = kubectl(node, "exec", "shell", "--", "wc", "-c", "/tmp/in.txt")
    assert (r.returncode, r.stdout.split()[0]) == (0, "35000"), r.stderr
    back = tmp_path / "back.txt"
    r = kubectl(node, "cp", "shell:/tmp/in.txt", str(back))
    assert r.returncode == 0, r.stderr
    assert back.read_bytes() == source.read_bytes()


@pytest.mark.parametrize("args,expected", [
    (["exec", "shell", "-c", "nope", "--", "echo"], "container nope is not valid for pod shell"),
    (["exec", "missing", "--", "echo"], "not found"),
])
def test_exec_errors_fail_fast(node, args, expected):
    started = time.monotonic()
    r = kubectl(node, *args, timeout=30)
    assert r.returncode != 0
    assert expected in r.stderr, r.stderr
    assert time.monotonic() - started < 20


def test_attach_sees_output(node):
    proc = subprocess.Popen(["kubectl", "--kubeconfig", node.kubeconfig, "--cache-dir", node.cache_dir, "attach", "ticker"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, HOME=node.workdir))
    try:
        line = proc.stdout.readline()
        assert line == "tick\n", proc.stderr.read() if not line else line
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("env", [{}, SPDY_PF], ids=["websocket-tunnel", "spdy"])
def test_port_forward_carries_bytes_both_ways(node, env):
    proc = subprocess.Popen(["kubectl", "--kubeconfig", node.kubeconfig, "--cache-dir", node.cache_dir,
                             "-v=6", "port-forward", "pod/web", ":8080"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, HOME=node.workdir, **env))
    try:
        line = proc.stdout.readline()
        match = re.search(r"Forwarding from 127\.0\.0\.1:(\d+) -> 8080", line)
        assert match, line or proc.stderr.read()
        port = int(match.group(1))
        for _ in range(2):  # two connections over the same forwarding session
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
                c.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
                received = b""
                while chunk := c.recv(4096):
                    received += chunk
            assert received.startswith(b"HTTP/1.") and b"hello-pf" in received, received
    finally:
        proc.kill()
        _, stderr = proc.communicate()
    assert upgraded_with(stderr, "portforward") == ("POST" if env else "GET"), stderr


def test_python_client_exec_and_port_forward(node):
    from kubernetes.stream import portforward, stream
    client, api_client = node.client()
    core = client.CoreV1Api(api_client)
    out = stream(core.connect_get_namespaced_pod_exec, "shell", "default", command=["sh", "-c", "echo py-hi"],
                 stderr=True, stdin=False, stdout=True, tty=False)
    assert out == "py-hi\n"

    pf = portforward(core.connect_get_namespaced_pod_portforward, "web", "default", ports="8080")
    try:
        s = pf.socket(8080)
        s.setblocking(True)
        s.settimeout(10)
        s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
        received = b""
        while chunk := s.recv(4096):
            received += chunk
            if b"hello-pf" in received:
                break
        assert b"hello-pf" in received, received
        s.close()
    finally:
        pf.close()


def read_until(read, pattern, timeout=20):
    """Accumulates what `read()` returns until `pattern` matches it; the match, or a failed assert."""
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        seen += read()
        match = re.search(pattern, seen)
        if match:
            return match
    raise AssertionError(f"no {pattern!r} in {seen!r}")


def test_python_client_tty_resize(node):
    """A TTY exec follows resize messages on channel 4 (`stty size` prints rows and columns)."""
    from kubernetes.stream import stream
    client, api_client = node.client()
    core = client.CoreV1Api(api_client)
    resp = stream(core.connect_get_namespaced_pod_exec, "shell", "default", command=["sh"],
                  stderr=False, stdin=True, stdout=True, tty=True, _preload_content=False)

    def read():
        resp.update(timeout=0.5)
        return resp.read_stdout() if resp.peek_stdout() else ""

    try:
        for width, height in [(100, 30), (132, 43), (41, 7)]:
            resp.write_channel(4, json.dumps({"Width": width, "Height": height}))
            resp.write_stdin("echo size; stty size; echo end\n")
            match = read_until(read, r"size\r?\n(\d+) (\d+)\r?\nend")
            assert (int(match.group(1)), int(match.group(2))) == (height, width), match.group(0)
        resp.write_stdin("exit\n")
    finally:
        resp.close()


def set_winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


@pytest.mark.parametrize("env", [{}, SPDY], ids=["websocket", "spdy"])
def test_kubectl_exec_tty_size_and_resize(node, env):
    """`kubectl exec -it` in a terminal: the container's TTY has the terminal's size, and follows
    it when the terminal is resized (kubectl sends the new size on SIGWINCH)."""
    master, slave = os.openpty()
    set_winsize(slave, 33, 111)
    proc = subprocess.Popen(["kubectl", "--kubeconfig", node.kubeconfig, "--cache-dir", node.cache_dir,
                             "exec", "-it", "shell", "--", "sh"],
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                            env=dict(os.environ, HOME=node.workdir, TERM="dumb", **env))
    os.close(slave)

    def read():
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            return ""
        try:
            return os.read(master, 4096).decode(errors="replace")
        except OSError:  # the child closed the terminal
            return ""

    try:
        os.write(master, b"echo size; stty size; echo end\n")
        match = read_until(read, r"size\r?\n(\d+) (\d+)\r?\nend")
        assert match.group(1, 2) == ("33", "111"), match.group(0)
        set_winsize(master, 21, 77)
        proc.send_signal(signal.SIGWINCH)
        # kubectl reads the new size when the signal arrives; ask until the shell sees it.
        deadline = time.monotonic() + 20
        while True:
            os.write(master, b"echo size; stty size; echo end\n")
            match = read_until(read, r"size\r?\n(\d+) (\d+)\r?\nend")
            if match.group(1, 2) == ("21", "77") or time.monotonic() > deadline:
                break
        assert match.group(1, 2) == ("21", "77"), match.group(0)
        os.write(master, b"exit\n")
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
