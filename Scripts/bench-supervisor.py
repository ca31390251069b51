#!/usr/bin/env python3
"""Supervisor benchmark: RSS of `swiftlet server` (the supervisor process alone), time from kill -9 of
the apiserver to the supervisor reporting it ready again, and warm start of the whole server profile.

Run after a release build:  swift build -c release --product swiftlet && \
    swift build -c release --product swiftlet-apiserver && python3 Scripts/bench-supervisor.py
Everything runs in a temporary directory on loopback; every process started is stopped by PID."""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("SWIFTLET_BIN_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release"))
SWIFTLET = os.path.join(BIN, "swiftlet")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pss_kb(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def start(workdir):
    args = [SWIFTLET, "server", "--data-dir", f"{workdir}/data", "--run-dir", f"{workdir}/run",
            "--https-listen-port", "0", "--bind-address", "127.0.0.1", "--write-kubeconfig", f"{workdir}/kc.yaml"]
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    t0 = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    line = proc.stdout.readline()
    if "ready" not in line:
        proc.kill()
        raise SystemExit(f"swiftlet server did not become ready: {line!r}")
    return proc, time.monotonic() - t0


def status(workdir):
    out = subprocess.run([SWIFTLET, "status", "-o", "json", "--run-dir", f"{workdir}/run", "--data-dir", f"{workdir}/data"],
                         capture_output=True, text=True, timeout=10).stdout
    return {c["name"]: c for c in json.loads(out)["components"]}


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main():
    if not os.path.exists(SWIFTLET):
        raise SystemExit(f"{SWIFTLET} is not built (swift build -c release --product swiftlet)")
    workdir = tempfile.mkdtemp(prefix="swiftlet-bench-sup-")
    proc = None
    try:
        proc, fresh = start(workdir)
        time.sleep(1.0)
        rss, pss = rss_kb(proc.pid), pss_kb(proc.pid)
        restarts = []
        for _ in range(5):
            before = status(workdir)["apiserver"]["pid"]
            t0 = time.monotonic()
            os.kill(before, signal.SIGKILL)
            while True:
                c = status(workdir)["apiserver"]
                if c["pid"] and c["pid"] != before and c["ready"]:
                    break
                if time.monotonic() - t0 > 30:
                    raise SystemExit("apiserver did not come back within 30 s")
            restarts.append(time.monotonic() - t0)
            time.sleep(0.5)
        rss_after = rss_kb(proc.pid)
        stop(proc)
        proc = None
        warm = []
        for _ in range(5):
            proc, t = start(workdir)
            warm.append(t)
            stop(proc)
            proc = None
        print(f"supervisor RSS after ready: {rss / 1024:.1f} MB (PSS {pss / 1024:.1f} MB); after 5 restarts: {rss_after / 1024:.1f} MB")
        print(f"kill -9 apiserver -> ready again (as the supervisor reports it): median {statistics.median(restarts) * 1000:.0f} ms, "
              f"max {max(restarts) * 1000:.0f} ms over {len(restarts)} (includes `swiftlet status` polling)")
        print(f"server profile ready: fresh {fresh * 1000:.0f} ms; warm median {statistics.median(warm) * 1000:.0f} ms over {len(warm)}")
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
