"""`swiftlet server` with the node agent enabled runs Debian's containerd as a supervised
component: its socket answers `ctr version`, `swiftlet status` lists it, and stopping the server
leaves no containerd behind."""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import Server, processes_mentioning
from realnode import unmount_under

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("containerd") or not shutil.which("ctr"),
    reason="needs root, containerd and ctr")


def test_server_runs_containerd_and_stops_it():
    with tempfile.TemporaryDirectory(prefix="swiftlet-e2e-") as d:
        registries = os.path.join(d, "registries.yaml")
        with open(registries, "w") as f:
            f.write('mirrors:\n  docker.io:\n    endpoint: ["http://127.0.0.1:5999"]\n')
        s = Server(d, agent=True, extra_args=["--node-name", "ctrd", "--private-registry", registries])
        try:
            s.start(timeout=120)
            config = os.path.join(s.data_dir, "agent", "etc", "containerd", "config.toml")
            socket_path = os.path.join(s.run_dir, "containerd", "containerd.sock")
            with open(config) as f:
                text = f.read()
            assert f'address = "{socket_path}"' in text
            assert 'sandbox_image = "localhost/swiftlet/pause:' in text

            r = subprocess.run(["ctr", "--address", socket_path, "version"], capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, r.stderr
            assert "Server:" in r.stdout

            status = s.swiftlet("status").stdout
            line = next((l for l in status.splitlines() if l.split() and l.split()[0] == "containerd"), None)
            assert line is not None, status

            hosts = os.path.join(s.data_dir, "agent", "etc", "containerd", "certs.d", "docker.io", "hosts.toml")
            with open(hosts) as f:
                assert '[host."http://127.0.0.1:5999"]' in f.read()
            assert os.path.getsize(os.path.join(s.data_dir, "agent", "images", "swiftlet-pause.tar")) > 0

            with open(os.path.join(s.run_dir, "containerd.pid")) as f:
                pid = int(f.read().strip())
            assert pid in processes_mentioning(config)
        finally:
            code = s.stop()
        assert code == 0, "".join(s.output)
        deadline = time.time() + 5
        while processes_mentioning(config) and time.time() < deadline:
            time.sleep(0.1)
        assert processes_mentioning(config) == []
        assert not os.path.exists(os.path.join(s.run_dir, "containerd.pid"))
        # Overlay mounts of the snapshotter (none without pods) must not outlive the test dir.
        unmount_under(d)


def test_agent_runs_containerd_until_stopped():
    """`swiftlet agent` supervises containerd as well: ready once its socket answers, and a
    SIGTERM stops it by its PID file's process, leaving nothing behind."""
    from conftest import BIN_DIR
    with tempfile.TemporaryDirectory(prefix="swiftlet-e2e-") as d:
        data, run = os.path.join(d, "data"), os.path.join(d, "run")
        args = [os.path.join(BIN_DIR, "swiftlet"), "agent", "--server", "https://127.0.0.1:6443",
                "--token", "secret", "--data-dir", data, "--run-dir", run,
                "--private-registry", os.path.join(d, "none.yaml")]
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        config = os.path.join(data, "agent", "etc", "containerd", "config.toml")
        try:
            # containerd's log shares the output; the ready line comes once its socket answers.
            timer = threading.Timer(60, proc.kill)
            timer.start()
            seen = []
            for line in proc.stdout:
                seen.append(line)
                if "Swiftlet agent is ready" in line:
                    break
            timer.cancel()
            assert "Swiftlet agent is ready" in seen[-1], "".join(seen)
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            r = subprocess.run(["ctr", "--address", os.path.join(run, "containerd", "containerd.sock"), "version"],
                               capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, r.stderr
            assert len(processes_mentioning(config)) == 1
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for pid_file in [os.path.join(run, "containerd.pid")]:
                try:
                    with open(pid_file) as f:
                        os.kill(int(f.read().strip()), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        assert proc.returncode == 0
        assert processes_mentioning(config) == []
