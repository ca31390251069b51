"""The Debian package (packaging/build-deb): contents, metadata, self-containment, lintian, and an
install / start / remove / purge cycle in a container booted with systemd as PID 1.

The package is built once per session by `packaging/build-deb` (a release build: minutes), or taken
from SWIFTLET_DEB=<path to a .deb> to reuse one already built.

The install test follows runtime-recipe.md's "Real systemd as PID 1": systemd-nspawn refuses a
writable overlay on the host's own root (`--volatile=overlay` needs a separate tree), so the test
mounts an overlayfs (lower: the host root, read-only; upper: a tmpfs) in a private mount
namespace and boots that. The host's dpkg database is visible, so the package's dependencies are
already installed; /opt/swift is hidden under a tmpfs, so the package must run without the Swift
toolchain. A probe unit runs the cycle and writes its findings to /out.
"""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import ROOT

BUILD_DEB = os.path.join(ROOT, "packaging", "build-deb")
# Names of the multi-call binary (/usr/bin/swiftlet), each a link to it in /usr/lib/swiftlet.
COMPONENTS = ["swiftlet-supervisor", "swiftlet-apiserver", "swiftlet-scheduler", "swiftlet-controllers",
              "swiftlet-kubelet", "swiftlet-proxy", "swiftlet-dns"]
# What the issue asks for: all executables together under 60 MB installed.
SIZE_TARGET = 60_000_000  # bytes


def run(argv, timeout=120, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed (Debian package `dpkg`): cannot build or inspect a .deb")
    given = os.environ.get("SWIFTLET_DEB")
    if given:
        assert os.path.isfile(given), f"SWIFTLET_DEB={given} does not exist"
        return given
    out = tmp_path_factory.mktemp("deb")
    r = run([BUILD_DEB, str(out)], timeout=3600, cwd=ROOT)
    assert r.returncode == 0, f"build-deb failed:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}"
    path = r.stdout.strip().splitlines()[-1]
    assert path.endswith(".deb") and os.path.isfile(path), r.stdout
    return path


@pytest.fixture(scope="module")
def unpacked(deb, tmp_path_factory):
    """The package's files, extracted (dpkg-deb -x) for ldd and content checks."""
    root = tmp_path_factory.mktemp("unpacked")
    r = run(["dpkg-deb", "-x", deb, str(root)])
    assert r.returncode == 0, r.stderr
    return str(root)


def control_fields(deb):
    r = run(["dpkg-deb", "-f", deb])
    assert r.returncode == 0, r.stderr
    fields, key = {}, None
    for line in r.stdout.splitlines():
        if line.startswith(" ") and key:
            fields[key] += "\n" + line
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


# ---------------------------------------------------------------------------------------------
# Contents and metadata

def test_contents_are_where_debian_expects_them(deb):
    r = run(["dpkg-deb", "-c", deb])
    assert r.returncode == 0, r.stderr
    entries = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        entries[parts[5].lstrip(".")] = (parts[0], parts[1])
        if parts[0].startswith("l"):
            entries[parts[5].lstrip(".")] += (parts[7],)
    for path in ["/usr/bin/swiftlet", "/usr/lib/swiftlet/swiftlet-pause"]:
        assert path in entries, f"{path} missing from the package"
        assert entries[path] == ("-rwxr-xr-x", "root/root"), (path, entries[path])
    for component in COMPONENTS:
        path = f"/usr/lib/swiftlet/{component}"
        assert path in entries, f"{path} missing from the package"
        assert entries[path] == ("lrwxrwxrwx", "root/root", "../../bin/swiftlet"), (path, entries[path])
    for path in ["/lib/systemd/system/swiftlet.service", "/lib/systemd/system/swiftlet-agent.service",
                 "/etc/swiftlet/config.yaml", "/usr/share/doc/swiftlet/copyright",
                 "/usr/share/doc/swiftlet/changelog.Debian.gz", "/usr/share/doc/swiftlet/README.md",
                 "/usr/share/man/man1/swiftlet.1.gz"]:
        assert path in entries, f"{path} missing from the package"
        assert entries[path] == ("-rw-r--r--", "root/root"), (path, entries[path])
    # Nothing from the build tree or the toolchain leaks in.
    assert not [p for p in entries if "/.build" in p or p.startswith("/opt")], entries.keys()


def test_metadata(deb):
    fields = control_fields(deb)
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    assert fields["Package"] == "swiftlet"
    assert fields["Architecture"] == arch
    assert re.fullmatch(r"[0-9][A-Za-z0-9.+~]*-[0-9]+", fields["Version"]), fields["Version"]
    assert os.path.basename(deb) == f"swiftlet_{fields['Version']}_{arch}.deb"
    for key in ["Maintainer", "Section", "Priority", "Description", "Installed-Size"]:
        assert fields.get(key), f"{key} missing: {fields}"
    depends = [d.strip().split()[0] for d in re.split(r"[,|]", fields["Depends"])]
    for needed in ["containerd", "runc", "containernetworking-plugins", "nftables", "libc6",
                   "libsqlite3-0", "libsystemd0", "libjemalloc2"]:
        assert needed in depends, f"Depends lacks {needed}: {fields['Depends']}"
    assert int(fields["Installed-Size"]) > 1000


def test_conffiles_and_maintainer_scripts(deb, tmp_path):
    r = run(["dpkg-deb", "-e", deb, str(tmp_path / "control")])
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "control" / "conffiles") as f:
        assert f.read().split() == ["/etc/swiftlet/config.yaml"]
    for script in ["postinst", "prerm", "postrm"]:
        path = tmp_path / "control" / script
        assert os.access(path, os.X_OK), f"{script} is not executable"
        text = path.read_text()
        assert text.startswith("#!/bin/sh\n") and "\nset -e\n" in text, script
        assert run(["sh", "-n", str(path)]).returncode == 0, f"{script}: syntax error"
    assert "swiftlet killall" in (tmp_path / "control" / "prerm").read_text()


def test_config_lists_every_setting_commented(unpacked):
    """Every ServerSetting key appears once, commented out; the file parses as empty YAML."""
    with open(os.path.join(ROOT, "Sources/SwiftletCore/Server/ServerSetting.swift")) as f:
        keys = re.findall(r'^\s*case \w+ = "([a-z0-9-]+)"', f.read(), flags=re.M)
    assert len(keys) > 20
    with open(os.path.join(unpacked, "etc/swiftlet/config.yaml")) as f:
        lines = f.read().splitlines()
    assert all(not l.strip() or l.startswith("#") for l in lines), "an uncommented line"
    for key in keys:
        assert sum(1 for l in lines if l.startswith(f"# {key}: ")) == 1, f"{key} not listed once"


def test_man_page_documents_the_commands(unpacked):
    r = run(["sh", "-c", f"zcat {unpacked}/usr/share/man/man1/swiftlet.1.gz"])
    page = r.stdout
    assert page.startswith(".TH SWIFTLET 1")
    for command in ["server", "agent", "kubectl", "killall", "check-config"]:
        assert f".SS swiftlet {command}".replace("-", "\\-") in page, command
    if shutil.which("man"):
        # man -l with warnings: a roff error shows up on stderr.
        r = run(["sh", "-c", f"MANWIDTH=80 man --warnings -l {unpacked}/usr/share/man/man1/swiftlet.1.gz >/dev/null"])
        assert r.stderr.strip() == "", r.stderr


# ---------------------------------------------------------------------------------------------
# Self-contained: no Swift toolchain at run time

def elf_files(root):
    """The ELF files of the tree, links to them not counted."""
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            if os.path.islink(path):
                continue
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    yield path


def test_binaries_do_not_need_the_toolchain(unpacked):
    elves = list(elf_files(unpacked))
    # The multi-call binary and the static pause binary.
    assert sorted(os.path.relpath(p, unpacked) for p in elves) == ["usr/bin/swiftlet", "usr/lib/swiftlet/swiftlet-pause"]
    for path in elves:
        r = run(["ldd", path])
        output = r.stdout + r.stderr
        assert "/opt/swift" not in output and "not found" not in output, f"{path}:\n{output}"
        # RUNPATH/RPATH must not name the toolchain either (it would win on a machine that has one).
        dyn = run(["readelf", "-d", path]).stdout
        assert "/opt/swift" not in dyn, f"{path} keeps a toolchain RUNPATH:\n{dyn}"
        # Stripped (Debian policy 10.1): no symbol table left.
        assert ".symtab" not in run(["readelf", "-S", "-W", path]).stdout, f"{path} is not stripped"


@pytest.mark.parametrize("name", ["swiftlet"] + COMPONENTS)
def test_each_name_runs_its_own_command(unpacked, name):
    """The multi-call binary picks the command by the name it runs under, from the unpacked tree."""
    path = os.path.join(unpacked, "usr/bin/swiftlet" if name == "swiftlet" else f"usr/lib/swiftlet/{name}")
    r = run([path, "--help"], timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stdout + r.stderr
    usage = r.stdout[r.stdout.upper().index("USAGE"):].split("\n", 1)[0]
    assert re.search(rf"USAGE: {re.escape(name)}( |$)", usage, flags=re.I), r.stdout
    if name == "swiftlet":
        assert "server" in r.stdout and "killall" in r.stdout, r.stdout


def test_installed_size_of_the_executables(unpacked):
    """All executables together (the multi-call binary and pause; the rest are links) stay under
    the issue's 60 MB: the reason the package ships one multi-call binary (BENCHMARKS.md)."""
    total = sum(os.path.getsize(p) for p in elf_files(unpacked))
    print(f"executables: {total / 1e6:.1f} MB (target {SIZE_TARGET / 1e6:.0f} MB)")
    assert total < SIZE_TARGET, f"{total / 1e6:.1f} MB of executables"


# ---------------------------------------------------------------------------------------------
# Lintian

def test_lintian_reports_no_errors_and_no_unexplained_warnings(deb):
    if shutil.which("lintian") is None:
        pytest.skip("lintian is not installed (Debian package `lintian`)")
    r = run(["lintian", "--no-tag-display-limit", deb], timeout=600)
    findings = [l for l in r.stdout.splitlines() if re.match(r"^[EW]: ", l)]
    assert findings == [], "\n".join(findings)


# ---------------------------------------------------------------------------------------------
# Install, start, remove, purge with systemd as PID 1

def nspawn_unavailable():
    if os.geteuid() != 0:
        return "needs root (mounts and systemd-nspawn)"
    if shutil.which("systemd-nspawn") is None:
        return "systemd-nspawn is not installed (Debian package `systemd-container`)"
    if not os.path.exists("/lib/systemd/systemd"):
        return "/lib/systemd/systemd is missing (the host has no systemd to boot)"
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is missing"
    if not os.path.exists("/var/lib/dpkg/status"):
        return "the host has no dpkg database (the container installs into a copy of the host root)"
    return None


# Runs inside the container as a oneshot unit; every finding goes to /out/result as key=value.
CYCLE = r"""#!/bin/sh
exec > /out/cycle.log 2>&1
set -x
r() { echo "$1=$2" >> /out/result; }
# The host image forbids service actions through policy-rc.d (usual in container images); a real
# machine has none, and the maintainer scripts honour it, so take it out of this copy.
rm -f /usr/sbin/policy-rc.d
dpkg -i /pkg/swiftlet.deb; r dpkg_install $?
r enabled "$(systemctl is-enabled swiftlet.service)"
r active_after_install "$(systemctl is-active swiftlet.service)"
r opt_swift "$(ls -A /opt/swift | wc -l)"
# Components log at info level here so the journal check below has lines to find (the default,
# warning, keeps a healthy start silent). config.yaml.d is the admin's place; not the conffile.
mkdir -p /etc/swiftlet/config.yaml.d
echo 'log-level: info' > /etc/swiftlet/config.yaml.d/90-test.yaml
timeout 150 systemctl start swiftlet.service; r start $?
r state "$(systemctl show swiftlet.service -p ActiveState --value)/$(systemctl show swiftlet.service -p SubState --value)"
ok=1; i=0
while [ $i -lt 60 ]; do
    if swiftlet kubectl get nodes > /out/nodes.txt 2>&1; then ok=0; break; fi
    i=$((i+1)); sleep 1
done
r kubectl $ok
# A running pod, so that removal has shims, mounts and the pod bridge to clean up. Its image is the
# pause image the server imported (nothing can be pulled: the container has no network).
i=0
while [ $i -lt 60 ] && ! swiftlet kubectl get nodes 2>/dev/null | grep -q ' Ready'; do i=$((i+1)); sleep 1; done
image="localhost/swiftlet/pause:$(swiftlet --version | awk '{print $NF}')"
swiftlet kubectl run pkgtest --image="$image" --image-pull-policy=Never --restart=Never
swiftlet kubectl wait --for=condition=Ready pod/pkgtest --timeout=45s; r pod_ready $?
r shims_before_remove "$(ps -eo comm= | grep -c '^containerd-shim')"
r bridge_before_remove "$(ip link show swiftlet0 >/dev/null 2>&1 && echo present || echo absent)"
r apiserver_journal "$(journalctl -b -t swiftlet-apiserver --no-pager -q | wc -l)"
# Upgrade (reinstalling runs the same scripts): a running service is restarted with the new files.
pid_before=$(systemctl show swiftlet.service -p MainPID --value)
dpkg -i /pkg/swiftlet.deb; r dpkg_upgrade $?
pid_after=$(systemctl show swiftlet.service -p MainPID --value)
r restarted_on_upgrade "$([ "$pid_before" != "$pid_after" ] && [ "$pid_after" != 0 ] && echo yes || echo no)"
r state_after_upgrade "$(systemctl is-active swiftlet.service)"
# A stopped service stays stopped across an upgrade.
r nft_before_remove "$(nft list table ip swiftlet >/dev/null 2>&1 && echo present || echo absent)"
r masq_before_remove "$(nft list table ip swiftlet-pods >/dev/null 2>&1 && echo present || echo absent)"
journalctl -b -u swiftlet.service --no-pager > /out/journal.txt 2>&1
systemctl stop swiftlet.service
dpkg -i /pkg/swiftlet.deb; r dpkg_upgrade_stopped $?
r state_after_stopped_upgrade "$(systemctl is-active swiftlet.service)"
rm -rf /etc/swiftlet/config.yaml.d
r mounts_before_remove "$(grep -c -E ' /(var/lib|run)/swiftlet/' /proc/self/mountinfo)"
dpkg -r swiftlet > /out/dpkg-remove.txt 2>&1; r dpkg_remove $?
# Longer than RestartSec: a supervisor that systemd brought back would show up here.
sleep 7
r left_running "$(ps -eo comm= | grep -E '^(swiftlet|containerd)' | tr '\n' ' ')"
r data_after_remove "$(test -d /var/lib/swiftlet/server && echo kept || echo gone)"
r bridge_after_remove "$(ip link show swiftlet0 >/dev/null 2>&1 && echo present || echo absent)"
r nft_after_remove "$(nft list table ip swiftlet >/dev/null 2>&1 && echo present || echo absent)"
r masq_after_remove "$(nft list table ip swiftlet-pods >/dev/null 2>&1 && echo present || echo absent)"
grep -E ' /(var/lib|run)/swiftlet' /proc/self/mountinfo > /out/mounts-after-remove.txt
r mounts_after_remove "$(grep -c -E ' /(var/lib|run)/swiftlet/' /proc/self/mountinfo)"
dpkg -P swiftlet; r dpkg_purge $?
r data_after_purge "$(ls -A /var/lib/swiftlet 2>/dev/null | wc -l)"
r run_after_purge "$(test -e /run/swiftlet && echo present || echo absent)"
r etc_after_purge "$(ls -A /etc/swiftlet 2>/dev/null | tr '\n' ' ')"
r status "$(dpkg-query -W -f='${Status}' swiftlet 2>&1)"
r done 1
systemctl --no-block poweroff
"""

CYCLE_UNIT = """[Unit]
Description=Swiftlet package test: install, start, remove, purge
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/sh /out/cycle.sh
"""


def test_install_start_remove_purge_in_a_systemd_container(deb, tmp_path):
    reason = nspawn_unavailable()
    if reason:
        pytest.skip(f"cannot boot a systemd container here: {reason}")
    out = tmp_path / "out"
    out.mkdir()
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    shutil.copy(deb, pkg / "swiftlet.deb")
    (out / "cycle.sh").write_text(CYCLE)
    unit = tmp_path / "swiftlet-package-test.service"
    unit.write_text(CYCLE_UNIT)
    ovl = tmp_path / "ovl"
    ovl.mkdir()
    # The overlay lives in a private mount namespace: it disappears with the command, also when
    # the test is killed. The data dir gets its own tmpfs: containerd's overlayfs snapshotter
    # cannot put an overlay upper directory on the root overlay.
    script = f"""set -e
mount -t tmpfs tmpfs {ovl}
mkdir {ovl}/upper {ovl}/work {ovl}/merged
mount -t overlay overlay -o lowerdir=/,upperdir={ovl}/upper,workdir={ovl}/work {ovl}/merged
exec systemd-nspawn -D {ovl}/merged --register=no --keep-unit --private-network \
  --tmpfs=/opt/swift --tmpfs=/var/lib/swiftlet \
  --bind={out}:/out --bind-ro={pkg}:/pkg \
  --bind-ro={unit}:/etc/systemd/system/swiftlet-package-test.service \
  -b systemd.firstboot=off systemd.wants=swiftlet-package-test.service \
  systemd.mask=containerd.service systemd.mask=postgresql.service
"""
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    start = time.monotonic()
    proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=420)
    except subprocess.TimeoutExpired:
        # SIGTERM to our own nspawn (its process group) asks the container to shut down.
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
    elapsed = time.monotonic() - start
    log = (out / "cycle.log").read_text() if (out / "cycle.log").exists() else ""
    journal = (out / "journal.txt").read_text() if (out / "journal.txt").exists() else ""
    result = {}
    if (out / "result").exists():
        for line in (out / "result").read_text().splitlines():
            key, _, value = line.partition("=")
            result[key] = value.strip()
    mounts = (out / "mounts-after-remove.txt").read_text() if (out / "mounts-after-remove.txt").exists() else ""
    removal = (out / "dpkg-remove.txt").read_text() if (out / "dpkg-remove.txt").exists() else ""
    context = f"{result}\n--- dpkg -r ---\n{removal}\n--- mounts after remove ---\n{mounts}\n--- cycle ---\n{log[-4000:]}\n--- journal ---\n{journal[-4000:]}\n--- nspawn ---\n{output[-2000:]}"
    print(f"container cycle took {elapsed:.0f}s: {result}")
    assert result.get("done") == "1", f"the cycle did not finish\n{context}"
    assert result["dpkg_install"] == "0", context
    assert result["opt_swift"] == "0", "the toolchain was visible in the container"
    assert result["enabled"] == "enabled", context
    assert result["active_after_install"] == "inactive", f"installing started the service\n{context}"
    assert result["start"] == "0" and result["state"] == "active/running", context
    assert result["kubectl"] == "0", f"swiftlet kubectl get nodes failed\n{context}"
    assert int(result["apiserver_journal"]) > 0, f"no journal lines from swiftlet-apiserver\n{context}"
    if result["pod_ready"] != "0" and re.search(r"mkdir /sys/fs/cgroup/\S+: read-only file system", journal):
        # systemd-nspawn on a cgroup v1 host mounts the controller hierarchies read-only apart
        # from the container's own subtree, so runc cannot create /kubepods: a limit of the test
        # machine, not of the package. Removal is then checked without a running pod.
        print("NOTE: the test pod cannot run in this container (read-only cgroup v1 hierarchy); "
              "removal is checked without pod shims")
    else:
        assert result["pod_ready"] == "0", f"the test pod did not run\n{context}"
        assert int(result["shims_before_remove"]) > 0 and result["bridge_before_remove"] == "present", context
    assert result["dpkg_upgrade"] == "0", context
    assert result["restarted_on_upgrade"] == "yes" and result["state_after_upgrade"] == "active", context
    assert result["dpkg_upgrade_stopped"] == "0" and result["state_after_stopped_upgrade"] == "inactive", context
    assert result["nft_before_remove"] == "present", f"the proxy's table never existed: the check below proves nothing\n{context}"
    assert result["dpkg_remove"] == "0", context
    assert result["left_running"] == "", f"still running after remove: {result['left_running']}\n{context}"
    assert result["data_after_remove"] == "kept", context
    assert result["masq_before_remove"] == "present", f"the kubelet's masquerade table never existed\n{context}"
    assert result["bridge_after_remove"] == "absent" and result["nft_after_remove"] == "absent", context
    assert result["masq_after_remove"] == "absent", context
    assert result["mounts_after_remove"] == "0", context
    assert result["dpkg_purge"] == "0", context
    assert result["data_after_purge"] == "0" and result["run_after_purge"] == "absent", context
    assert result["etc_after_purge"] == "", context
    assert result["status"] != "install ok installed", context
