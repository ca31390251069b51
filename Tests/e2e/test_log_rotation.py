"""Container log rotation (`--kubelet-arg container-log-max-size=... container-log-max-files=...`):
a chatty container's log is rotated by size, at most max-files files are kept, and `kubectl logs`
keeps following the current file."""
import glob
import os

from conftest import wait_for
from realnode import pod_manifest, real_node, requires_containerd

pytestmark = requires_containerd


def test_a_chatty_container_log_is_rotated_and_bounded():
    args = ["--kubelet-arg", "container-log-max-size=32Ki", "--kubelet-arg", "container-log-max-files=3"]
    with real_node("logrot-node", extra_args=args) as node:
        s = node.server
        # About 40 KiB a second: past 32 KiB between two checks of the kubelet (every 10 s).
        s.kubectl("apply", "-f", "-", input=pod_manifest("chatty", [
            "sh", "-c", "i=0; while true; do i=$((i+1)); echo \"line $i $(printf '%0400d' 0)\"; "
                        "[ $((i % 100)) = 0 ] && sleep 1; done"]))
        node.wait_pod("chatty", lambda p: p["status"].get("phase") == "Running", 60)
        uid = node.get("pod", "chatty")["metadata"]["uid"]
        directory = glob.glob(os.path.join(node.data, "agent", "pod-logs", f"*{uid}*", "main"))
        assert directory, f"no log directory for pod {uid}"
        current = os.path.join(directory[0], "0.log")

        def rotated():
            return sorted(f for f in os.listdir(directory[0]) if f.startswith("0.log."))
        wait_for(lambda: len(rotated()) >= 2, 60, interval=1, message="two rotations")
        # Never more than max-files (the current file and the rotated ones).
        assert len(rotated()) + 1 <= 3, rotated()
        assert os.path.getsize(current) < 32 * 1024 + 64 * 1024, "the current file was reset by the rotation"
        # kubectl logs reads the current file (as upstream): recent lines, no error. Right after a
        # rotation it may hold fewer than three lines for a moment.
        out = wait_for(lambda: (lambda lines: lines if len(lines) == 3 else None)(
            s.kubectl("logs", "chatty", "--tail", "3").stdout.strip().splitlines()), 10, interval=0.3, message="3 log lines")
        assert all(line.startswith("line ") for line in out), out
        wait_for(lambda: len(rotated()) >= 2 and os.path.getsize(current) > 0, 30, interval=1, message="new lines after a rotation")
