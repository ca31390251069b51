"""Restarts, watch resumption and kill -9 of the apiserver during a write burst."""
import json
import os
import signal
import subprocess
import threading
import time

from conftest import BIN_DIR


def test_restart_keeps_data_and_watches_resume(fresh_server):
    s = fresh_server.start()
    client, api_client = s.client()
    v1 = client.CoreV1Api(api_client)
    before = v1.create_namespaced_config_map("default", {"metadata": {"name": "keep"}, "data": {"v": "1"}})
    rv = before.metadata.resource_version
    ca = open(os.path.join(s.data_dir, "server", "tls", "server-ca.crt")).read()
    assert s.stop() == 0

    s.start()
    client, api_client = s.client()
    v1 = client.CoreV1Api(api_client)
    assert v1.read_namespaced_config_map("keep", "default").data == {"v": "1"}
    assert open(os.path.join(s.data_dir, "server", "tls", "server-ca.crt")).read() == ca
    # The revision sequence continues after the restart.
    after = v1.patch_namespaced_config_map("keep", "default", {"data": {"v": "2"}})
    assert int(after.metadata.resource_version) > int(rv)
    # A watch from the resourceVersion seen before the restart gets what happened since.
    from kubernetes import watch
    events = [(e["type"], e["object"].data["v"]) for e in
              watch.Watch().stream(v1.list_namespaced_config_map, "default", resource_version=rv,
                                   field_selector="metadata.name=keep", timeout_seconds=2)]
    assert events == [("MODIFIED", "2")]


def test_initial_events_end_with_a_bookmark(fresh_server):
    s = fresh_server.start()
    s.kubectl("create", "configmap", "one")
    out = s.kubectl("get", "--raw",
                    "/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
                    "&resourceVersionMatch=NotOlderThan&resourceVersion=&timeoutSeconds=1").stdout
    events = [json.loads(l) for l in out.splitlines() if l.strip()]
    assert ("ADDED", "one") in [(e["type"], e["object"]["metadata"].get("name")) for e in events]
    assert events[-1]["type"] == "BOOKMARK"
    assert events[-1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"] == "true"


def test_kill_9_during_write_burst_loses_no_acknowledged_object(fresh_server):
    s = fresh_server.start()
    client, api_client = s.client()
    v1 = client.CoreV1Api(api_client)
    acknowledged = []
    stop = threading.Event()

    def writer(worker):
        c, ac = s.client()
        api = c.CoreV1Api(ac)
        i = 0
        while not stop.is_set():
            name = f"burst-{worker}-{i}"
            try:
                api.create_namespaced_config_map("default", {"metadata": {"name": name}, "data": {"i": str(i)}})
                acknowledged.append(name)
            except Exception:
                return  # the server is gone: this write was not acknowledged
            i += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(2)
    killed_pid = s.apiserver_pid()
    os.kill(killed_pid, signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acknowledged) > 20, "the burst should have written something before the kill"
    # The supervisor notices its apiserver died and restarts it; it keeps running itself.
    deadline = time.time() + 60
    while True:
        assert s.proc.poll() is None, "the supervisor exited instead of restarting the apiserver:\n" + "".join(s.output)
        try:
            restarted = s.apiserver_pid() != killed_pid
        except (OSError, ValueError):
            restarted = False
        # With port 0 the restarted apiserver may listen elsewhere: the kubeconfig is rewritten.
        if restarted and subprocess.run(["kubectl", "--kubeconfig", s.kubeconfig, "--cache-dir", s.cache_dir,
                                         "get", "--raw", "/readyz"], capture_output=True).returncode == 0:
            break
        assert time.time() < deadline, "the apiserver was not ready again within 60 s:\n" + "".join(s.output)
        time.sleep(0.1)

    client, api_client = s.client()
    v1 = client.CoreV1Api(api_client)
    stored = {cm.metadata.name for cm in v1.list_namespaced_config_map("default").items}
    missing = [n for n in acknowledged if n not in stored]
    assert not missing, f"{len(missing)} acknowledged objects lost, e.g. {missing[:5]}"


def test_compacted_history_answers_410_expired(fresh_server):
    """With a tiny retained history (set in the apiserver's config file), a watch or a continued list
    from a compacted revision gets upstream's 410 Expired, and the database does not keep old revisions."""
    import subprocess
    s = fresh_server.start()
    assert s.stop() == 0
    config_path = os.path.join(s.data_dir, "server", "etc", "apiserver.json")
    config = json.load(open(config_path))
    config.update({"compactionRetainRevisions": 1, "compactionRetainSeconds": 0, "compactionIntervalSeconds": 1})
    if os.path.exists(config["portFile"]):
        os.remove(config["portFile"])
    json.dump(config, open(config_path, "w"))
    apiserver = subprocess.Popen([os.path.join(BIN_DIR, "swiftlet-apiserver"), "--config", config_path])
    try:
        deadline = time.time() + 30
        while not os.path.exists(config["portFile"]) and time.time() < deadline:
            time.sleep(0.05)
        port = open(config["portFile"]).read().strip()
        kc = open(s.kubeconfig).read()
        kc = kc.replace(s.url, f"https://127.0.0.1:{port}")
        open(s.kubeconfig, "w").write(kc)
        for i in range(5):
            s.kubectl("create", "configmap", f"hist-{i}")
        first = json.loads(s.kubectl("get", "configmap", "hist-0", "-o", "json").stdout)["metadata"]["resourceVersion"]
        page = json.loads(s.kubectl("get", "--raw", "/api/v1/namespaces/default/configmaps?limit=2").stdout)
        for i in range(5):
            s.kubectl("label", "configmap", f"hist-{i}", "round=2")
        time.sleep(3)  # two compaction passes
        out = s.kubectl("get", "--raw", f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={first}&timeoutSeconds=2").stdout
        events = [json.loads(l) for l in out.splitlines() if l.strip()]
        assert events[0]["type"] == "ERROR", events[:2]
        assert events[0]["object"]["code"] == 410 and events[0]["object"]["reason"] == "Expired"
        r = s.kubectl("get", "--raw", f"/api/v1/namespaces/default/configmaps?limit=2&continue={page['metadata']['continue']}", check=False)
        assert r.returncode != 0 and ("Expired" in r.stderr or "410" in r.stderr or "too old" in r.stderr), r.stderr
        # kubectl's own pager falls back to a full list after a 410.
        names = s.kubectl("get", "configmaps", "--chunk-size=2", "-o", "name").stdout.split()
        assert [n for n in names if n.startswith("configmap/hist-")] == [f"configmap/hist-{i}" for i in range(5)]
    finally:
        apiserver.terminate()
        apiserver.wait(timeout=20)
