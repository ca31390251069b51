"""systemd integration: the unit files, journald streams and a boot with systemd as PID 1.

The machine's PID 1 is not systemd, so the checks bring their own (runtime-recipe.md, "systemd and
journald without systemd as PID 1"):
- journald: a private mount and PID namespace with tmpfs on /run/systemd and the test's own
  directory on /run/log, where /lib/systemd/systemd-journald runs; the journal is read afterwards
  with `journalctl --directory`. The PID namespace ends journald with the command.
- systemd: `systemd-nspawn -b` boots the host's /usr read-only on a volatile root, with our units
  bound over /etc/systemd/system; a probe unit writes results to /out and powers the container off.
The last two run the real `swiftlet server`: its components log under their own identifiers, and
`swiftlet.service` (Type=notify) becomes active/running with its STATUS text.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest

from conftest import BIN_DIR, READY, ROOT

UNIT_DIR = os.path.join(ROOT, "systemd")
UNITS = ["swiftlet.service", "swiftlet-agent.service"]
JOURNALD = "/lib/systemd/systemd-journald"
SWIFT_RUNTIME = "/opt/swift"


# ---------------------------------------------------------------------------------------------
# Unit files

def rewritten_units(directory, binary, extra_args=""):
    """Copies the units into `directory` with ExecStart pointing at `binary` (the built swiftlet:
    /usr/bin/swiftlet does not exist before the package is installed, and verify checks that
    ExecStart is executable). Returns the paths."""
    paths = []
    for name in UNITS:
        with open(os.path.join(UNIT_DIR, name)) as f:
            text = f.read()
        text, n = re.subn(r"^ExecStart=/usr/bin/swiftlet (\w+)$",
                          lambda m: f"ExecStart={binary} {m.group(1)}{extra_args}", text, flags=re.M)
        assert n == 1, f"{name}: expected one `ExecStart=/usr/bin/swiftlet <role>` line"
        path = os.path.join(directory, name)
        with open(path, "w") as f:
            f.write(text)
        paths.append(path)
    return paths


def analyze_verify(paths):
    """Runs `systemd-analyze verify` and returns the output lines about these unit files.
    verify exits 0 even for unknown keys or bad values, so the output is what counts."""
    r = subprocess.run(["systemd-analyze", "verify", *paths], capture_output=True, text=True, timeout=60)
    names = [os.path.basename(p) for p in paths]
    lines = (r.stdout + r.stderr).splitlines()
    return r.returncode, [l for l in lines if any(n in l for n in names)]


def require_analyze():
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian package `systemd`)")


def test_unit_files_verify_cleanly(tmp_path):
    require_analyze()
    binary = os.path.join(BIN_DIR, "swiftlet")
    if not os.access(binary, os.X_OK):
        # Any executable serves: verify checks ExecStart's path, not what the program does.
        binary = "/bin/true"
    rc, problems = analyze_verify(rewritten_units(str(tmp_path), binary))
    assert rc == 0 and problems == [], "\n".join(problems)


def test_unit_files_carry_the_required_settings():
    expected = {
        "Type": "notify", "NotifyAccess": "main", "KillMode": "process", "Delegate": "yes",
        "Restart": "always", "RestartSec": "5s", "LimitNOFILE": "1048576", "LimitNPROC": "infinity",
        "LimitCORE": "infinity", "TasksMax": "infinity", "TimeoutStartSec": "0", "WatchdogSec": "30s",
        "EnvironmentFile": "-/etc/default/%N", "After": "network-online.target",
        "Wants": "network-online.target", "WantedBy": "multi-user.target",
    }
    for name, role in [("swiftlet.service", "server"), ("swiftlet-agent.service", "agent")]:
        with open(os.path.join(UNIT_DIR, name)) as f:
            settings = dict(l.split("=", 1) for l in f.read().splitlines() if "=" in l and not l.startswith("#"))
        for key, value in expected.items():
            assert settings.get(key) == value, f"{name}: {key}={settings.get(key)!r}, want {value!r}"
        assert settings["ExecStart"] == f"/usr/bin/swiftlet {role}"
        assert settings.get("Description") and settings.get("Documentation")


def test_verify_reports_a_broken_unit(tmp_path):
    """The verify check above can fail: a typo'd key and a bad value are reported."""
    require_analyze()
    bad = tmp_path / "swiftlet.service"
    bad.write_text("[Service]\nTyep=notify\nKillMode=sometimes\nExecStart=/bin/true\n")
    _, problems = analyze_verify([str(bad)])
    assert any("Tyep" in l for l in problems) and any("sometimes" in l for l in problems), problems


# ---------------------------------------------------------------------------------------------
# journald in a private namespace

JOURNALD_WRAPPER = r"""
set -u
log_dir=$1; shift
mount -t tmpfs tmpfs /run/systemd
mount --bind "$log_dir" /run/log
mkdir -p /run/log/journal
/lib/systemd/systemd-journald &
i=0
while [ ! -S /run/systemd/journal/stdout ]; do
    i=$((i + 1)); [ $i -gt 200 ] && { echo "journald did not start" >&2; exit 97; }
    sleep 0.05
done
"$@"
rc=$?
journalctl --sync
exit $rc
"""


def journald_unavailable():
    """Why the journald namespace cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root for unshare -m and mounts"
    for tool in ("unshare", "journalctl", "systemd-cat"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not os.access(JOURNALD, os.X_OK):
        return f"{JOURNALD} is missing (Debian package `systemd`)"
    r = subprocess.run(["unshare", "-m", "-p", "-f", "--mount-proc", "--propagation", "private", "true"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return f"unshare of mount/PID namespaces is not permitted: {r.stderr.strip()}"
    return None


def run_with_journald(command, workdir, timeout=60, env=None):
    """Runs `command` (argv) inside a private mount+PID namespace that has its own journald, and
    returns (CompletedProcess, entries): every journal entry as a dict from `journalctl -o json`.
    journald (like everything the command leaves behind) dies with the namespace."""
    reason = journald_unavailable()
    if reason:
        pytest.skip(f"standalone journald unavailable: {reason}")
    log_dir = os.path.join(workdir, "log")
    os.makedirs(log_dir, exist_ok=True)
    argv = ["unshare", "-m", "-p", "-f", "--mount-proc", "--propagation", "private",
            "sh", "-c", JOURNALD_WRAPPER, "journald-wrapper", log_dir, *command]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode != 97, proc.stderr
    return proc, journal_entries(os.path.join(log_dir, "journal"))


def journal_entries(directory):
    r = subprocess.run(["journalctl", "--directory", directory, "-o", "json", "--no-pager"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def by_identifier(entries, identifier):
    return [(e.get("PRIORITY"), e.get("MESSAGE")) for e in entries if e.get("SYSLOG_IDENTIFIER") == identifier]


def test_journald_namespace_records_identifier_and_priority(tmp_path):
    """The recipe itself: systemd-cat speaks the same stream protocol as sd_journal_stream_fd."""
    script = 'echo "<3>probe failed"; echo "probe plain"'
    proc, entries = run_with_journald(
        ["systemd-cat", "-t", "swiftlet-probe", "-p", "info", "sh", "-c", script], str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert by_identifier(entries, "swiftlet-probe") == [("3", "probe failed"), ("6", "probe plain")]


def test_journal_stream_library_writes_to_journald(tmp_path):
    """JournalStream.open/send from the Swift test bundle, run inside the namespace."""
    bundle = os.path.join(BIN_DIR, "swiftletPackageTests.xctest")
    if not os.access(bundle, os.X_OK):
        pytest.skip(f"{bundle} is not built: run `swift build --build-tests` first")
    marker = uuid.uuid4().hex
    env = dict(os.environ, SWIFTLET_TEST_JOURNALD=marker)
    env.pop("NOTIFY_SOCKET", None)
    proc, entries = run_with_journald(
        [bundle, "--testing-library", "swift-testing", "--filter", "JournalStreamJournaldTests"],
        str(tmp_path), timeout=120, env=env)
    if "with 0 tests in 0 suites" in proc.stderr:  # swift-testing then exits 69
        pytest.skip(f"{bundle} predates the JournalStreamJournaldTests suite: rebuild the tests")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # swift-testing reports on stderr.
    assert "3 tests" in proc.stdout + proc.stderr, "the journald tests did not run:\n" + proc.stderr
    assert by_identifier(entries, "swiftlet-journaltest") == [
        ("3", f"error line {marker}"), ("6", f"info line {marker}")]
    # Without levelPrefix the `<3>` stays in the text and the stream's own priority applies.
    assert by_identifier(entries, "swiftlet-journaltest-raw") == [("4", f"<3>kept literally {marker}")]
    assert by_identifier(entries, "swiftlet-journaltest-native") == [("2", f"first\nsecond {marker}")]


SERVER_DRIVER = r"""
import re, signal, subprocess, sys
ready = re.compile(sys.argv[1])
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
for line in proc.stdout:
    sys.stdout.write(line)
    if ready.search(line):
        print("DRIVER: ready, sending SIGTERM", flush=True)
        proc.send_signal(signal.SIGTERM)
        break
rest = proc.communicate(timeout=30)[0]
sys.stdout.write(rest or "")
sys.exit(proc.returncode)
"""


def test_supervisor_logs_components_under_their_identifier(tmp_path):
    binary = os.path.join(BIN_DIR, "swiftlet")
    assert os.path.exists(binary), f"{binary} is not built: run `swift build` first"
    work = str(tmp_path)
    server = [binary, "server", "-v", "--data-dir", os.path.join(work, "data"),
              "--https-listen-port", "0", "--bind-address", "127.0.0.1",
              "--write-kubeconfig", os.path.join(work, "kubeconfig.yaml"),
              "--run-dir", os.path.join(work, "run"), "--disable-agent"]
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    proc, entries = run_with_journald([sys.executable, "-c", SERVER_DRIVER, READY.pattern, *server],
                                      work, timeout=120, env=env)
    assert "DRIVER: ready" in proc.stdout, "server never became ready:\n" + proc.stdout + proc.stderr
    assert proc.returncode == 0, f"server exited {proc.returncode} after SIGTERM:\n{proc.stdout}"
    assert by_identifier(entries, "swiftlet-apiserver"), \
        "no journal entries with SYSLOG_IDENTIFIER=swiftlet-apiserver; identifiers seen: " + \
        ", ".join(sorted({e.get("SYSLOG_IDENTIFIER", "?") for e in entries}))


# ---------------------------------------------------------------------------------------------
# systemd as PID 1 (systemd-nspawn)

def nspawn_unavailable():
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("systemd-nspawn") is None:
        return "systemd-nspawn is not installed (Debian package `systemd-container`)"
    if not os.path.exists("/lib/systemd/systemd"):
        return "/lib/systemd/systemd is missing"
    return None


PROBE_UNIT = """[Unit]
Description=Test probe: report {unit} and power off
[Service]
Type=oneshot
ExecStart=/bin/sh -c '\\
  i=0; while [ $$i -lt {wait_steps} ] && ! systemctl is-active -q {unit}; do i=$$((i+1)); sleep 0.2; done; \\
  systemctl show {unit} -p ActiveState,SubState,StatusText,Result > /out/show.tmp; \\
  journalctl -b --no-pager -u {unit} > /out/journal.txt 2>&1; \\
  mv /out/show.tmp /out/show.txt; \\
  systemctl --no-block poweroff'
[Install]
WantedBy=multi-user.target
"""


def boot_container(units, out_dir, timeout=90, extra_binds=()):
    """Boots the host's /usr with systemd as PID 1 and `units` (name -> text) as the whole of
    /etc/systemd/system, `probe.service` enabled. Returns (seconds, `systemctl show` of the probed
    unit as a dict, nspawn output, the unit's journal)."""
    reason = nspawn_unavailable()
    if reason:
        pytest.skip(f"systemd-nspawn cannot run here: {reason}")
    unit_dir = os.path.join(os.path.dirname(out_dir), "units")
    os.makedirs(os.path.join(unit_dir, "multi-user.target.wants"))
    for name, text in units.items():
        with open(os.path.join(unit_dir, name), "w") as f:
            f.write(text)
    # Enabled by symlink, as `systemctl enable` would; the target resolves inside the container.
    for name in units:
        os.symlink(f"/etc/systemd/system/{name}", os.path.join(unit_dir, "multi-user.target.wants", name))
    argv = ["systemd-nspawn", "-D", "/", "--volatile=yes", "--register=no", "--keep-unit",
            "--private-network", f"--bind={out_dir}:/out", f"--bind-ro={unit_dir}:/etc/systemd/system",
            *[f"--bind-ro={p}" for p in extra_binds], "-b", "systemd.firstboot=off"]
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL, env=env)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # SIGTERM asks nspawn to shut the container down cleanly; SIGKILL if that hangs too.
        proc.send_signal(signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        pytest.fail(f"container did not power off within {timeout}s:\n{output[-4000:]}")
    elapsed = time.monotonic() - start
    show_path = os.path.join(out_dir, "show.txt")
    assert os.path.exists(show_path), f"probe wrote no result (nspawn rc {proc.returncode}):\n{output[-4000:]}"
    with open(show_path) as f:
        show = dict(l.split("=", 1) for l in f.read().splitlines() if "=" in l)
    journal = ""
    if os.path.exists(os.path.join(out_dir, "journal.txt")):
        with open(os.path.join(out_dir, "journal.txt")) as f:
            journal = f.read()
    print(f"nspawn boot, probe and poweroff took {elapsed:.1f}s")
    return elapsed, show, output, journal


def test_nspawn_boots_a_notify_unit_to_running(tmp_path):
    """The recipe itself, with a unit that notifies through systemd-notify (NotifyAccess=all: the
    notification comes from a child of the unit's shell)."""
    out = tmp_path / "out"
    out.mkdir()
    notify_unit = """[Unit]
Description=Type=notify probe
[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c 'systemd-notify --ready --status=probe-ok; exec sleep infinity'
[Install]
WantedBy=multi-user.target
"""
    _, show, output, journal = boot_container(
        {"notify-probe.service": notify_unit,
         "probe.service": PROBE_UNIT.format(unit="notify-probe.service", wait_steps=100)},
        str(out), timeout=60)
    assert (show.get("ActiveState"), show.get("SubState"), show.get("StatusText")) == \
        ("active", "running", "probe-ok"), f"{show}\n{journal}\n{output[-3000:]}"


def test_nspawn_swiftlet_service_becomes_active(tmp_path):
    binary = os.path.join(BIN_DIR, "swiftlet")
    assert os.path.exists(binary), f"{binary} is not built: run `swift build` first"
    out = tmp_path / "out"
    out.mkdir()
    # The volatile root shows only the host's /usr: bind the build directory (the apiserver
    # executable sits next to swiftlet) and the Swift runtime the debug build links against.
    bin_dir = os.path.realpath(BIN_DIR)
    binds = [bin_dir] + ([SWIFT_RUNTIME] if os.path.isdir(SWIFT_RUNTIME) else [])
    extra = (" --data-dir /out/data --write-kubeconfig /out/kubeconfig.yaml --run-dir /run/swiftlet"
             " --https-listen-port 0 --bind-address 127.0.0.1 --disable-agent")
    units_dir = tmp_path / "render"
    units_dir.mkdir()
    service_path = rewritten_units(str(units_dir), os.path.join(bin_dir, "swiftlet"), extra)[0]
    with open(service_path) as f:
        service = f.read()
    _, show, output, journal = boot_container(
        {"swiftlet.service": service,
         "probe.service": PROBE_UNIT.format(unit="swiftlet.service", wait_steps=100)},
        str(out), timeout=90, extra_binds=binds)
    assert show.get("ActiveState") == "active" and show.get("SubState") == "running", \
        f"{show}\n--- journal of swiftlet.service ---\n{journal[-4000:]}"
    assert show.get("StatusText"), f"no STATUS= text: {show}\n{journal[-4000:]}"


def test_nspawn_watchdog_applies_only_after_ready(tmp_path):
    """What the units' WatchdogSec comment relies on: a unit still starting (no READY=1) is not
    killed by the watchdog, while one that said READY=1 and then stays silent is."""
    out = tmp_path / "out"
    out.mkdir()
    starting = "[Service]\nType=notify\nWatchdogSec=1s\nExecStart=/bin/sleep infinity\n"
    silent = ("[Service]\nType=notify\nNotifyAccess=all\nWatchdogSec=1s\n"
              "ExecStart=/bin/sh -c 'systemd-notify --ready; exec sleep infinity'\n")
    probe = ("[Service]\nType=oneshot\nExecStart=/bin/sh -c 'sleep 4; "
             "systemctl show silent.service -p Result > /out/silent.txt; "
             "systemctl show starting.service -p ActiveState,SubState,Result > /out/show.txt; "
             "systemctl --no-block poweroff'\n")
    _, show, output, _ = boot_container(
        {"starting.service": starting, "silent.service": silent, "probe.service": probe}, str(out), timeout=60)
    assert (show.get("ActiveState"), show.get("SubState")) == ("activating", "start"), f"{show}\n{output[-3000:]}"
    assert (out / "silent.txt").read_text().strip() == "Result=watchdog"


def test_swiftlet_server_speaks_sd_notify(tmp_path):
    """READY=1 once the profile is up, STATUS= summaries, WATCHDOG=1 while healthy, STOPPING=1 on
    SIGTERM, over a NOTIFY_SOCKET this test binds, with the watchdog requested by WATCHDOG_USEC."""
    import signal
    import socket
    import subprocess
    import time
    binary = os.path.join(BIN_DIR, "swiftlet")
    assert os.path.exists(binary), f"{binary} is not built: run `swift build` first"
    sock_path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(0.2)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="1000000")
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([binary, "server", "--data-dir", str(tmp_path / "data"), "--run-dir", str(tmp_path / "run"),
                             "--https-listen-port", "0", "--bind-address", "127.0.0.1",
                             "--write-kubeconfig", str(tmp_path / "kc.yaml"), "--disable-agent"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    messages = []

    def drain(seconds):
        end = time.time() + seconds
        while time.time() < end:
            try:
                messages.append(sock.recv(4096).decode())
            except socket.timeout:
                pass

    try:
        proc.stdout.readline()  # the ready line
        drain(2.5)              # WATCHDOG_USEC=1s: pings every 0.5 s
        proc.send_signal(signal.SIGTERM)
        drain(1.0)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
    fields = [line for m in messages for line in m.split("\n") if line]
    assert any(f.startswith("STATUS=") for f in fields), fields
    ready = fields.index("READY=1")
    assert any(f.startswith("STATUS=") and "ready" in f for f in fields[:ready + 2]), fields
    watchdogs = [i for i, f in enumerate(fields) if f == "WATCHDOG=1"]
    assert len(watchdogs) >= 3 and watchdogs[0] > ready, fields
    stopping = fields.index("STOPPING=1")
    assert stopping > watchdogs[-1], fields


def test_sighup_reloads_configuration(tmp_path):
    """SIGHUP re-reads config.yaml: RELOADING=1 then READY=1; a component whose configuration
    changed is restarted (on the same port), an unchanged one is not, and a broken file changes
    nothing."""
    import signal
    import socket
    import subprocess
    import time
    binary = os.path.join(BIN_DIR, "swiftlet")
    config = tmp_path / "config.yaml"
    config.write_text("log-level: warning\n")
    sock_path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(0.2)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, SWIFTLET_CONFIG_FILE=str(config))
    env.pop("WATCHDOG_USEC", None)
    run_dir = tmp_path / "run"
    kubeconfig = tmp_path / "kc.yaml"
    proc = subprocess.Popen([binary, "server", "--data-dir", str(tmp_path / "data"), "--run-dir", str(run_dir),
                             "--https-listen-port", "0", "--bind-address", "127.0.0.1",
                             "--write-kubeconfig", str(kubeconfig), "--disable-agent"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    messages = []

    def drain_until(wanted, seconds=30):
        end = time.time() + seconds
        while time.time() < end:
            try:
                for field in sock.recv(4096).decode().split("\n"):
                    if field:
                        messages.append(field)
                        if field == wanted:
                            return
            except socket.timeout:
                pass
        raise AssertionError(f"no {wanted} in {messages}")

    def apiserver_pid():
        return int((run_dir / "apiserver.pid").read_text().strip())

    def kubectl_works():
        result = subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), "get", "--raw", "/readyz"],
                                capture_output=True, text=True, timeout=30)
        return result.returncode == 0 and result.stdout.strip() == "ok"

    try:
        proc.stdout.readline()
        drain_until("READY=1")
        first = apiserver_pid()

        # Nothing changed: reload, but no restart.
        messages.clear()
        proc.send_signal(signal.SIGHUP)
        drain_until("READY=1")
        assert "RELOADING=1" in messages and messages.index("RELOADING=1") < messages.index("READY=1"), messages
        assert any(m.startswith("MONOTONIC_USEC=") for m in messages), messages
        assert apiserver_pid() == first

        # A broken file: the reload fails, everything keeps running.
        config.write_text("log-level: loud\n")
        messages.clear()
        proc.send_signal(signal.SIGHUP)
        drain_until("READY=1")
        assert apiserver_pid() == first

        # The apiserver's log level changes: it is restarted, on the port it had.
        config.write_text("log-level: info\n")
        messages.clear()
        proc.send_signal(signal.SIGHUP)
        drain_until("READY=1")
        deadline = time.time() + 30
        while time.time() < deadline and not (apiserver_pid() != first and kubectl_works()):
            time.sleep(0.1)
        assert apiserver_pid() != first
        assert kubectl_works()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
