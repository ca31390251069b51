"""Integration-test harness: starts the real `swiftlet server` in a temporary directory on a
free port and drives it with the installed kubectl and the Python `kubernetes` client.
Every process started here is stopped by PID, also when a test fails."""
import glob
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.environ.get("SWIFTLET_BIN_DIR", os.path.join(ROOT, ".build", "debug"))
READY = re.compile(r"kubeconfig written to (\S+) \((https://[^)]+)\)")


class Server:
    """One `swiftlet server` process with its own data dir, run dir and kubeconfig."""

    def __init__(self, workdir, extra_args=(), agent=None):
        self.workdir = workdir
        self.extra_args = list(extra_args)
        # The node agent (a real containerd) runs only when a test asks for it; simulated nodes
        # need the agent enabled but start no containerd.
        self.agent = ("--simulated-nodes" in self.extra_args) if agent is None else agent
        self.data_dir = os.path.join(workdir, "data")
        self.run_dir = os.path.join(workdir, "run")
        self.kubeconfig = os.path.join(workdir, "kubeconfig.yaml")
        self.cache_dir = os.path.join(workdir, "kubectl-cache")
        self.proc = None
        self.url = None
        self.output = []

    def start(self, timeout=60):
        binary = os.path.join(BIN_DIR, "swiftlet")
        assert os.path.exists(binary), f"{binary} is not built: run `swift build` first"
        args = [binary, "server", "--data-dir", self.data_dir, "--run-dir", self.run_dir,
                "--https-listen-port", "0", "--bind-address", "127.0.0.1",
                "--write-kubeconfig", self.kubeconfig]
        args += self.extra_args
        if not self.agent:
            args.append("--disable-agent")
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        found = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.output.append(line)
                m = READY.search(line)
                if m and not found.is_set():
                    self.url = m.group(2)
                    found.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.time() + timeout
        while not found.is_set():
            if self.proc.poll() is not None:
                raise RuntimeError("swiftlet server exited early:\n" + "".join(self.output))
            if time.time() > deadline:
                self.stop()
                raise RuntimeError("swiftlet server not ready in time:\n" + "".join(self.output))
            found.wait(0.05)
        return self

    def apiserver_pid(self):
        with open(os.path.join(self.run_dir, "apiserver.pid")) as f:
            return int(f.read().strip())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # A child left behind by a crashed supervisor is stopped by its PID file.
        for pid_file in glob.glob(os.path.join(self.run_dir, "*.pid")):
            try:
                with open(pid_file) as f:
                    os.kill(int(f.read().strip()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        return self.proc.returncode if self.proc else None

    def kubectl(self, *args, input=None, check=True, timeout=60):
        cmd = ["kubectl", "--kubeconfig", self.kubeconfig, "--cache-dir", self.cache_dir, *args]
        env = dict(os.environ, HOME=self.workdir)
        r = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout, env=env)
        if check and r.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def swiftlet(self, *args, check=True, timeout=60):
        """`swiftlet <args> --run-dir ... --data-dir ...` against this server."""
        cmd = [os.path.join(BIN_DIR, "swiftlet"), *args, "--run-dir", self.run_dir, "--data-dir", self.data_dir]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"swiftlet {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def client(self):
        from kubernetes import client, config
        api_client = config.new_client_from_config(config_file=self.kubeconfig)
        return client, api_client


@pytest.fixture(scope="module")
def server():
    """A server shared by the tests of one module."""
    with tempfile.TemporaryDirectory(prefix="swiftlet-e2e-") as d:
        s = Server(d).start()
        try:
            yield s
        finally:
            s.stop()


@pytest.fixture(scope="module")
def cluster():
    """A server with three simulated nodes (scheduler, controllers and hollow kubelets running)."""
    with tempfile.TemporaryDirectory(prefix="swiftlet-e2e-") as d:
        s = Server(d, extra_args=["--simulated-nodes", "3", "--node-name", "sim"]).start(timeout=120)
        try:
            yield s
        finally:
            s.stop()


@pytest.fixture()
def fresh_server():
    """A server of its own, for tests that restart or kill it."""
    with tempfile.TemporaryDirectory(prefix="swiftlet-e2e-") as d:
        s = Server(d)
        try:
            yield s
        finally:
            s.stop()


def wait_for(predicate, timeout=60, interval=0.2, message="condition"):
    """Polls `predicate` until it returns something truthy (returned) or `timeout` seconds pass."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message} (last: {last!r})")


def processes_mentioning(text):
    """PIDs whose command line contains `text` (to find what a test's server left behind)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    found.append(int(entry))
        except OSError:
            pass
    return found
