"""Workloads on a cluster of simulated nodes, driven by real kubectl: the scheduler binds pods,
the controllers run Deployments, ReplicaSets, Jobs, StatefulSets, DaemonSets, garbage collection
and service accounts, and the hollow kubelets move pods to Running (and Jobs' pods to Succeeded)."""
import json

from conftest import wait_for


def get_json(cluster, *args):
    return json.loads(cluster.kubectl("get", *args, "-o", "json").stdout)


def test_simulated_nodes_register_ready(cluster):
    def ready_nodes():
        items = get_json(cluster, "nodes")["items"]
        ready = [n for n in items
                 if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))]
        return len(ready) == 3 and items
    nodes = wait_for(ready_nodes, message="3 Ready nodes")
    names = sorted(n["metadata"]["name"] for n in nodes)
    assert names == ["sim-0", "sim-1", "sim-2"]
    assert all(n["spec"].get("podCIDR") for n in wait_for(
        lambda: all(n["spec"].get("podCIDR") for n in get_json(cluster, "nodes")["items"]) and get_json(cluster, "nodes")["items"],
        message="podCIDRs from node IPAM"))
    out = cluster.kubectl("get", "nodes").stdout
    assert "Ready" in out and "sim-0" in out


def test_default_service_account_in_a_new_namespace(cluster):
    cluster.kubectl("create", "namespace", "sa-check")
    wait_for(lambda: cluster.kubectl("get", "serviceaccount", "default", "-n", "sa-check", check=False).returncode == 0,
             message="default ServiceAccount")


def test_deployment_rollout_scale_undo_restart(cluster):
    cluster.kubectl("create", "deployment", "web", "--image=nginx:1.25", "--replicas=3")
    cluster.kubectl("rollout", "status", "deployment/web", "--timeout=90s", timeout=120)
    pods = get_json(cluster, "pods", "-l", "app=web")["items"]
    assert len(pods) == 3
    assert all(p["status"]["phase"] == "Running" and p["spec"].get("nodeName") for p in pods)
    assert len({p["spec"]["nodeName"] for p in pods}) >= 2, "pods should spread over the nodes"

    cluster.kubectl("set", "image", "deployment/web", "nginx=nginx:1.26")
    cluster.kubectl("rollout", "status", "deployment/web", "--timeout=90s", timeout=120)
    history = cluster.kubectl("rollout", "history", "deployment/web").stdout
    assert "1" in history and "2" in history
    rs = get_json(cluster, "replicasets", "-l", "app=web")["items"]
    assert len(rs) == 2

    cluster.kubectl("rollout", "undo", "deployment/web")
    cluster.kubectl("rollout", "status", "deployment/web", "--timeout=90s", timeout=120)
    image = get_json(cluster, "deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "nginx:1.25"

    cluster.kubectl("scale", "deployment/web", "--replicas=5")
    wait_for(lambda: get_json(cluster, "deployment", "web")["status"].get("availableReplicas") == 5,
             message="5 available replicas")

    cluster.kubectl("rollout", "restart", "deployment/web")
    cluster.kubectl("rollout", "status", "deployment/web", "--timeout=90s", timeout=120)
    status = get_json(cluster, "deployment", "web")["status"]
    assert status["updatedReplicas"] == 5 and status["availableReplicas"] == 5
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Available"]["status"] == "True"
    assert conditions["Progressing"]["reason"] == "NewReplicaSetAvailable"


def test_delete_cascade_foreground_and_orphan(cluster):
    cluster.kubectl("create", "deployment", "fg", "--image=busybox", "--replicas=2")
    cluster.kubectl("rollout", "status", "deployment/fg", "--timeout=90s", timeout=120)
    cluster.kubectl("delete", "deployment", "fg", "--cascade=foreground", "--timeout=60s", timeout=90)
    wait_for(lambda: not get_json(cluster, "pods", "-l", "app=fg")["items"], message="fg pods gone")
    assert not get_json(cluster, "replicasets", "-l", "app=fg")["items"]

    cluster.kubectl("create", "deployment", "orph", "--image=busybox", "--replicas=2")
    cluster.kubectl("rollout", "status", "deployment/orph", "--timeout=90s", timeout=120)
    cluster.kubectl("delete", "deployment", "orph", "--cascade=orphan", timeout=90)
    rs = wait_for(lambda: [r for r in get_json(cluster, "replicasets", "-l", "app=orph")["items"]
                           if not r["metadata"].get("ownerReferences")], message="orphaned ReplicaSet")
    assert len(rs) == 1
    assert len(get_json(cluster, "pods", "-l", "app=orph")["items"]) == 2

    # Background (kubectl's default): the garbage collector removes what the ReplicaSet owned.
    cluster.kubectl("delete", "replicaset", rs[0]["metadata"]["name"])
    wait_for(lambda: not get_json(cluster, "pods", "-l", "app=orph")["items"], message="orph pods collected")


def test_job_completes_and_kubectl_wait_sees_it(cluster):
    cluster.kubectl("create", "job", "pi", "--image=busybox", "--", "sh", "-c", "echo 3.14")
    cluster.kubectl("wait", "--for=condition=complete", "job/pi", "--timeout=90s", timeout=120)
    job = get_json(cluster, "job", "pi")
    assert job["status"]["succeeded"] == 1
    assert job["status"].get("completionTime")


def test_unschedulable_pod_gets_failed_scheduling_event(cluster):
    cluster.kubectl("run", "picky", "--image=busybox", "--overrides",
                    json.dumps({"spec": {"nodeSelector": {"disk": "ssd"}}}))

    def event():
        events = get_json(cluster, "events", "--field-selector", "involvedObject.name=picky")["items"]
        return [e for e in events if e["reason"] == "FailedScheduling"]
    found = wait_for(event, message="FailedScheduling event")
    assert found[0]["message"].startswith("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector")
    cluster.kubectl("label", "node", "sim-1", "disk=ssd")
    wait_for(lambda: get_json(cluster, "pod", "picky")["spec"].get("nodeName") == "sim-1", message="picky bound to sim-1")
    wait_for(lambda: get_json(cluster, "pod", "picky")["status"]["phase"] == "Running", message="picky Running")


def test_statefulset_and_daemonset_roll_out(cluster):
    manifest = {
        "apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
             "spec": {"serviceName": "db", "replicas": 2, "selector": {"matchLabels": {"app": "db"}},
                      "template": {"metadata": {"labels": {"app": "db"}},
                                   "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}}},
            {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
             "spec": {"selector": {"matchLabels": {"app": "agent"}},
                      "template": {"metadata": {"labels": {"app": "agent"}},
                                   "spec": {"containers": [{"name": "agent", "image": "busybox"}]}}}},
        ]}
    # One apply of the List: kubectl validates its items against /openapi/v2 first.
    cluster.kubectl("apply", "-f", "-", input=json.dumps(manifest))
    cluster.kubectl("rollout", "status", "statefulset/db", "--timeout=90s", timeout=120)
    names = sorted(p["metadata"]["name"] for p in get_json(cluster, "pods", "-l", "app=db")["items"])
    assert names == ["db-0", "db-1"]
    cluster.kubectl("rollout", "status", "daemonset/agent", "--timeout=90s", timeout=120)
    nodes = sorted(p["spec"]["nodeName"] for p in get_json(cluster, "pods", "-l", "app=agent")["items"])
    assert nodes == ["sim-0", "sim-1", "sim-2"]


def test_service_gets_endpoints_and_slices(cluster):
    cluster.kubectl("create", "deployment", "api", "--image=nginx", "--replicas=2", "--port=80")
    cluster.kubectl("expose", "deployment", "api", "--port=80")
    cluster.kubectl("rollout", "status", "deployment/api", "--timeout=90s", timeout=120)

    def addresses():
        subsets = get_json(cluster, "endpoints", "api").get("subsets") or []
        return sum(len(s.get("addresses", [])) for s in subsets) == 2
    wait_for(addresses, message="2 endpoint addresses")
    slices = get_json(cluster, "endpointslices", "-l", "kubernetes.io/service-name=api")["items"]
    assert len(slices) == 1 and len(slices[0]["endpoints"]) == 2


def test_restart_scheduler_leaves_the_others_untouched(cluster):
    def pids():
        return {c["name"]: c["pid"] for c in json.loads(cluster.swiftlet("status", "-o", "json").stdout)["components"]}
    before = pids()
    assert set(before) >= {"apiserver", "scheduler", "controllers", "kubelet"}
    out = cluster.swiftlet("restart", "scheduler").stdout
    assert "restarted scheduler" in out
    after = pids()
    assert after["scheduler"] != before["scheduler"]
    assert {k: v for k, v in after.items() if k != "scheduler"} == {k: v for k, v in before.items() if k != "scheduler"}
    # The new scheduler schedules.
    cluster.kubectl("run", "after-restart", "--image=busybox")
    wait_for(lambda: get_json(cluster, "pod", "after-restart")["status"]["phase"] == "Running",
             message="pod scheduled by the restarted scheduler")


def test_plain_delete_removes_replicasets_and_pods(cluster):
    cluster.kubectl("create", "deployment", "gone", "--image=busybox", "--replicas=2")
    cluster.kubectl("rollout", "status", "deployment/gone", "--timeout=90s", timeout=120)
    cluster.kubectl("delete", "deployment", "gone")
    wait_for(lambda: not get_json(cluster, "replicasets", "-l", "app=gone")["items"]
             and not get_json(cluster, "pods", "-l", "app=gone")["items"], message="ReplicaSets and pods collected")


def test_cronjob_creates_jobs(cluster):
    cluster.kubectl("create", "cronjob", "tick", "--image=busybox", "--schedule=* * * * *", "--", "date")

    def jobs():
        return [j for j in get_json(cluster, "jobs")["items"]
                if any(o["kind"] == "CronJob" and o["name"] == "tick" for o in j["metadata"].get("ownerReferences", []))]
    created = wait_for(jobs, timeout=90, interval=1, message="a Job from the CronJob")
    assert created[0]["metadata"]["name"].startswith("tick-")
    wait_for(lambda: get_json(cluster, "cronjob", "tick")["status"].get("lastScheduleTime"), message="lastScheduleTime")
    cluster.kubectl("wait", "--for=condition=complete", "job/" + created[0]["metadata"]["name"], "--timeout=60s", timeout=90)
    cluster.kubectl("delete", "cronjob", "tick")


def test_daemonset_follows_a_joining_node(cluster):
    cluster.kubectl("create", "-f", "-", input=json.dumps({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "follow"},
        "spec": {"selector": {"matchLabels": {"app": "follow"}},
                 "template": {"metadata": {"labels": {"app": "follow"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}))
    cluster.kubectl("rollout", "status", "daemonset/follow", "--timeout=90s", timeout=120)
    # A node joins (registered by hand: no kubelet runs it, so its pod stays Pending, but exists).
    cluster.kubectl("create", "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": "joiner", "labels": {"kubernetes.io/hostname": "joiner"}}}))
    cluster.kubectl("patch", "node", "joiner", "--subresource=status", "--type=merge", "-p", json.dumps({
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "ok"}],
                   "allocatable": {"cpu": "2", "memory": "2Gi", "pods": "10"},
                   "capacity": {"cpu": "2", "memory": "2Gi", "pods": "10"}}}))

    def on_joiner():
        return [p for p in get_json(cluster, "pods", "-l", "app=follow")["items"] if p["spec"].get("nodeName") == "joiner"]
    wait_for(on_joiner, message="a DaemonSet pod bound to the new node")
    # The node leaves: the pod garbage collector removes the pod nobody can stop any more.
    cluster.kubectl("delete", "node", "joiner")
    wait_for(lambda: not on_joiner(), message="the pod of the removed node deleted")
    cluster.kubectl("delete", "daemonset", "follow")


def test_killing_controllers_and_scheduler_mid_rollout_loses_nothing(cluster):
    import os
    import signal
    cluster.kubectl("create", "deployment", "sturdy", "--image=nginx:1", "--replicas=6")
    cluster.kubectl("rollout", "status", "deployment/sturdy", "--timeout=90s", timeout=120)
    cluster.kubectl("set", "image", "deployment/sturdy", "nginx=nginx:2")
    components = {c["name"]: c["pid"] for c in json.loads(cluster.swiftlet("status", "-o", "json").stdout)["components"]}
    os.kill(components["controllers"], signal.SIGKILL)
    os.kill(components["scheduler"], signal.SIGKILL)
    cluster.kubectl("rollout", "status", "deployment/sturdy", "--timeout=120s", timeout=150)
    status = get_json(cluster, "deployment", "sturdy")["status"]
    assert status["updatedReplicas"] == 6 and status["availableReplicas"] == 6 and status["replicas"] == 6
    pods = get_json(cluster, "pods", "-l", "app=sturdy")["items"]
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 6, [p["metadata"]["name"] for p in pods]
    assert all(p["spec"]["containers"][0]["image"] == "nginx:2" for p in live)


def test_zz_node_with_a_stale_lease_goes_not_ready_and_its_pods_are_evicted(cluster):
    """Runs last in the module: it stops the simulated kubelet (and starts it again)."""
    cluster.kubectl("run", "fragile", "--image=busybox", "--overrides", json.dumps({"spec": {"tolerations": [
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 2},
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 2}]}}))
    wait_for(lambda: get_json(cluster, "pod", "fragile")["status"]["phase"] == "Running", message="fragile Running")
    node = get_json(cluster, "pod", "fragile")["spec"]["nodeName"]
    cluster.swiftlet("stop", "kubelet")
    try:
        def not_ready():
            conditions = {c["type"]: c for c in get_json(cluster, "node", node)["status"]["conditions"]}
            return conditions["Ready"]["status"] == "Unknown" and conditions["Ready"]
        ready = wait_for(not_ready, timeout=90, interval=1, message=f"{node} NotReady")
        assert ready["reason"] == "NodeStatusUnknown"
        taints = get_json(cluster, "node", node)["spec"].get("taints", [])
        assert any(t["key"] == "node.kubernetes.io/unreachable" and t["effect"] == "NoExecute" for t in taints)
        assert "NotReady" in cluster.kubectl("get", "node", node).stdout

        def evicted():
            r = cluster.kubectl("get", "pod", "fragile", "-o", "json", check=False)
            return r.returncode != 0 or json.loads(r.stdout)["metadata"].get("deletionTimestamp")
        wait_for(evicted, timeout=60, interval=1, message="fragile evicted")
    finally:
        cluster.swiftlet("start", "kubelet")
    wait_for(lambda: "NotReady" not in cluster.kubectl("get", "node", node).stdout, timeout=60, message=f"{node} Ready again")
