"""Everyday kubectl work against a real `swiftlet server`."""
import json
import subprocess
import time

from conftest import wait_for

MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  labels: {tier: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
      - name: main
        image: busybox:1.36
        command: ["sleep", "3600"]
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
      - name: sidecar
        image: busybox:1.36
---
apiVersion: v1
kind: Service
metadata:
  name: shop
spec:
  selector: {app: shop}
  ports:
  - port: 80
    targetPort: 8080
"""


def test_builtin_namespaces_exist(server):
    out = server.kubectl("get", "namespaces", "-o", "name").stdout.split()
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"]:
        assert f"namespace/{ns}" in out
    assert "kubernetes" in server.kubectl("get", "svc", "-n", "default").stdout


def test_create_deployment_generator_sends_protobuf(server):
    server.kubectl("create", "deployment", "gen", "--image=nginx:1.25", "--replicas=3", "--port=80")
    d = json.loads(server.kubectl("get", "deployment", "gen", "-o", "json").stdout)
    assert d["spec"]["replicas"] == 3
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == 80
    assert d["spec"]["strategy"]["type"] == "RollingUpdate"  # defaulted by the server
    assert d["metadata"]["generation"] == 1
    for args in (["namespace", "gen-ns"], ["configmap", "gen-cm", "--from-literal=a=b"],
                 ["secret", "generic", "gen-s", "--from-literal=k=v"], ["service", "clusterip", "gen-svc", "--tcp=80:8080"],
                 ["job", "gen-job", "--image=busybox", "--", "true"],
                 ["cronjob", "gen-cj", "--image=busybox", "--schedule=*/5 * * * *", "--", "true"]):
        server.kubectl("create", *args)
    s = json.loads(server.kubectl("get", "secret", "gen-s", "-o", "json").stdout)
    assert s["data"]["k"] == "dg=="
    assert s["type"] == "Opaque"


def test_apply_multi_document_then_unchanged_then_changed(server):
    r = server.kubectl("apply", "-f", "-", input=MANIFEST)
    assert "configmap/settings created" in r.stdout and "deployment.apps/shop created" in r.stdout
    r = server.kubectl("apply", "-f", "-", input=MANIFEST)
    assert r.stdout.count("unchanged") == 3, r.stdout
    changed = MANIFEST.replace('value: "2"', 'value: "3"').replace(
        "      - name: sidecar\n        image: busybox:1.36\n", "").replace('        command: ["sleep", "3600"]\n', "")
    changed = changed.replace('        - {name: A, value: "1"}\n', '        - {name: A, value: "1"}\n        - {name: C, value: "4"}\n')
    r = server.kubectl("apply", "-f", "-", input=changed)
    assert "deployment.apps/shop configured" in r.stdout
    d = json.loads(server.kubectl("get", "deployment", "shop", "-o", "json").stdout)
    containers = d["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["main"]
    assert "command" not in containers[0]
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "C", "value": "4"}, {"name": "B", "value": "3"}] or \
        {e["name"]: e["value"] for e in containers[0]["env"]} == {"A": "1", "B": "3", "C": "4"}
    assert d["metadata"]["generation"] == 2
    raw = json.dumps(d)
    assert "$setElementOrder" not in raw and "$patch" not in raw and "$retainKeys" not in raw


def test_tables_for_pods_and_deployments(server):
    server.kubectl("run", "tbl", "--image=busybox:1.36", "--labels=app=tbl", "--", "sleep", "60")
    out = server.kubectl("get", "pods").stdout.splitlines()
    assert out[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    row = next(l for l in out if l.startswith("tbl "))
    assert row.split()[1:4] == ["0/1", "Pending", "0"]
    wide = server.kubectl("get", "pods", "-o", "wide").stdout.splitlines()[0].split()
    assert wide[:9] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE"]
    out = server.kubectl("get", "deployments").stdout.splitlines()
    assert out[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert any(l.startswith("gen ") and l.split()[1] == "0/3" for l in out)
    allns = server.kubectl("get", "pods", "-A").stdout.splitlines()
    assert allns[0].split()[0] == "NAMESPACE" and any(l.startswith("default ") for l in allns[1:])
    labels = server.kubectl("get", "pods", "--show-labels").stdout
    assert "app=tbl" in labels


def test_watch_receives_added_modified_deleted(server):
    import queue
    import threading
    proc = subprocess.Popen(["kubectl", "--kubeconfig", server.kubeconfig, "--cache-dir", server.cache_dir,
                             "get", "configmaps", "-w", "--output-watch-events", "-l", "w=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()

    def wait_for(name, deadline=30):
        seen = []
        end = time.time() + deadline
        while time.time() < end:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if name in line:
                seen.append(line.split()[0])
                if (seen and seen[-1] == "DELETED") or name == "sentinel":
                    return seen
        return seen

    try:
        # The sentinel shows the watch is established before the object under test is touched.
        server.kubectl("create", "configmap", "sentinel")
        server.kubectl("label", "configmap", "sentinel", "w=1")
        assert wait_for("sentinel"), "the watch did not start"
        server.kubectl("create", "configmap", "watched", "--from-literal=a=1")
        server.kubectl("label", "configmap", "watched", "w=1")
        server.kubectl("annotate", "configmap", "watched", "note=x")
        server.kubectl("delete", "configmap", "watched")
        events = wait_for("watched")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # Labelling makes the object match the selector: it appears as ADDED, as upstream's cache reports it.
    assert events == ["ADDED", "MODIFIED", "DELETED"], events


def test_label_and_field_selectors(server):
    for name, tier in [("sel-a", "front"), ("sel-b", "back"), ("sel-c", "front")]:
        server.kubectl("create", "configmap", name)
        server.kubectl("label", "configmap", name, f"tier={tier}")
    names = server.kubectl("get", "cm", "-l", "tier=front", "-o", "name").stdout.split()
    assert names == ["configmap/sel-a", "configmap/sel-c"]
    names = server.kubectl("get", "cm", "-l", "tier in (back),tier!=front", "-o", "name").stdout.split()
    assert names == ["configmap/sel-b"]
    names = server.kubectl("get", "cm", "--field-selector", "metadata.name=sel-b", "-o", "name").stdout.split()
    assert names == ["configmap/sel-b"]
    names = server.kubectl("get", "pods", "--field-selector", "status.phase=Pending,spec.nodeName=", "-o", "name").stdout.split()
    assert "pod/tbl" in names
    bad = server.kubectl("get", "cm", "--field-selector", "data.x=1", check=False)
    assert bad.returncode != 0 and "field label not supported: data.x" in bad.stderr
    bad = server.kubectl("get", "cm", "-l", "a in b", check=False)
    assert bad.returncode != 0 and "BadRequest" in bad.stderr


def test_pagination(server):
    server.kubectl("create", "namespace", "paging")
    for i in range(7):
        server.kubectl("create", "configmap", f"page-{i}", "-n", "paging")
    # Every namespace also holds the root CA publisher's ConfigMap, first in name order.
    wait_for(lambda: server.kubectl("get", "cm", "kube-root-ca.crt", "-n", "paging", check=False).returncode == 0,
             30, interval=0.5, message="kube-root-ca.crt in paging")
    out = server.kubectl("get", "cm", "-n", "paging", "--chunk-size=2", "-o", "name", "-v=6").stdout
    names = [l for l in out.split() if l.startswith("configmap/page-")]
    assert names == [f"configmap/page-{i}" for i in range(7)]
    raw = json.loads(server.kubectl("get", "--raw", "/api/v1/namespaces/paging/configmaps?limit=3").stdout)
    assert len(raw["items"]) == 3 and raw["metadata"]["continue"]
    token = raw["metadata"]["continue"]
    rest = json.loads(server.kubectl("get", "--raw", f"/api/v1/namespaces/paging/configmaps?limit=10&continue={token}").stdout)
    assert [i["metadata"]["name"] for i in raw["items"]] == ["kube-root-ca.crt", "page-0", "page-1"]
    assert [i["metadata"]["name"] for i in rest["items"]][0] == "page-2"
    assert "continue" not in rest["metadata"] or not rest["metadata"]["continue"]
    bad = server.kubectl("get", "--raw", "/api/v1/namespaces/paging/configmaps?limit=1&continue=garbage", check=False)
    assert bad.returncode != 0 and "continue" in bad.stderr


def test_patch_in_all_three_types(server):
    server.kubectl("create", "deployment", "patchme", "--image=busybox:1.36")
    server.kubectl("patch", "deployment", "patchme", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":4}]')
    server.kubectl("patch", "deployment", "patchme", "--type=merge", "-p", '{"metadata":{"labels":{"m":"1"}}}')
    server.kubectl("patch", "deployment", "patchme", "-p",
                   '{"spec":{"template":{"spec":{"containers":[{"name":"busybox","image":"busybox:1.37"}]}}}}')
    d = json.loads(server.kubectl("get", "deployment", "patchme", "-o", "json").stdout)
    assert d["spec"]["replicas"] == 4
    assert d["metadata"]["labels"]["m"] == "1"
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.37"
    assert len(d["spec"]["template"]["spec"]["containers"]) == 1
    assert d["metadata"]["generation"] == 3  # label changes do not bump generation
    bad = server.kubectl("patch", "deployment", "patchme", "--type=json", "-p", '[{"op":"remove","path":"/spec/nope"}]', check=False)
    assert bad.returncode != 0
    assert "The request is invalid" in bad.stderr and 'doc is missing path: "/spec/nope"' in bad.stderr


def test_label_annotate_scale_and_stale_replace(server):
    server.kubectl("create", "deployment", "ops", "--image=busybox:1.36")
    server.kubectl("label", "deployment", "ops", "team=a")
    server.kubectl("annotate", "deployment", "ops", "owner=me")
    server.kubectl("scale", "deployment", "ops", "--replicas=5")
    d = json.loads(server.kubectl("get", "deployment", "ops", "-o", "json").stdout)
    assert d["metadata"]["labels"]["team"] == "a"
    assert d["metadata"]["annotations"]["owner"] == "me"
    assert d["spec"]["replicas"] == 5
    scale = json.loads(server.kubectl("get", "--raw", "/apis/apps/v1/namespaces/default/deployments/ops/scale").stdout)
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 5 and scale["status"]["selector"] == "app=ops"
    stale = server.kubectl("get", "deployment", "ops", "-o", "yaml").stdout
    server.kubectl("scale", "deployment", "ops", "--replicas=1")
    r = server.kubectl("replace", "-f", "-", input=stale, check=False)
    assert r.returncode != 0 and "Conflict" in r.stderr and "the object has been modified" in r.stderr


def test_delete_with_finalizer_waits_for_removal(server):
    server.kubectl("create", "configmap", "held")
    server.kubectl("patch", "configmap", "held", "--type=merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}')
    server.kubectl("delete", "configmap", "held", "--wait=false")
    cm = json.loads(server.kubectl("get", "configmap", "held", "-o", "json").stdout)
    assert cm["metadata"]["deletionTimestamp"]
    assert cm["metadata"]["finalizers"] == ["example.com/hold"]
    # No new finalizers while deleting.
    r = server.kubectl("patch", "configmap", "held", "--type=merge", "-p", '{"metadata":{"finalizers":["example.com/hold","x.io/y"]}}', check=False)
    assert r.returncode != 0 and "no new finalizers" in r.stderr
    server.kubectl("patch", "configmap", "held", "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]')
    r = server.kubectl("get", "configmap", "held", check=False)
    assert r.returncode != 0 and "NotFound" in r.stderr


def test_invalid_objects_are_rejected_with_causes(server):
    bad_pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Pod\nspec:\n  containers:\n  - name: c\n"
    r = server.kubectl("create", "-f", "-", input=bad_pod, check=False)
    assert r.returncode != 0
    assert 'The Pod "Bad_Pod" is invalid' in r.stderr
    assert "spec.containers[0].image: Required value" in r.stderr
    assert "metadata.name: Invalid value" in r.stderr
    typo = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: typo\nspec:\n  containers:\n  - name: c\n    image: x\n    imagePullPolicyy: Always\n"
    r = server.kubectl("create", "-f", "-", input=typo, check=False)
    assert r.returncode != 0 and 'unknown field "spec.containers[0].imagePullPolicyy"' in r.stderr
    # --validate=false sends fieldValidation=Ignore: the typo is dropped, not stored.
    server.kubectl("create", "--validate=false", "-f", "-", input=typo)
    pod = json.loads(server.kubectl("get", "pod", "typo", "-o", "json").stdout)
    assert "imagePullPolicyy" not in json.dumps(pod)
    r = server.kubectl("create", "configmap", "x", "-n", "no-such-namespace", check=False)
    assert r.returncode != 0 and 'namespaces "no-such-namespace" not found' in r.stderr
    server.kubectl("create", "configmap", "dup")
    r = server.kubectl("create", "configmap", "dup", check=False)
    assert r.returncode != 0 and 'configmaps "dup" already exists' in r.stderr


def test_namespace_deletion_removes_its_contents(server):
    server.kubectl("create", "namespace", "doomed")
    server.kubectl("create", "configmap", "inside", "-n", "doomed")
    server.kubectl("delete", "namespace", "doomed", "--timeout=30s")
    r = server.kubectl("get", "namespace", "doomed", check=False)
    assert "NotFound" in r.stderr
    r = server.kubectl("delete", "namespace", "default", check=False)
    assert r.returncode != 0 and "Forbidden" in r.stderr


def test_dry_run_server_stores_nothing(server):
    server.kubectl("create", "configmap", "dry", "--dry-run=server", "-o", "name")
    r = server.kubectl("get", "configmap", "dry", check=False)
    assert r.returncode != 0 and "NotFound" in r.stderr


def test_health_version_discovery(server):
    assert server.kubectl("get", "--raw", "/readyz").stdout == "ok"
    verbose = server.kubectl("get", "--raw", "/readyz?verbose").stdout
    assert "[+]etcd ok" in verbose and "readyz check passed" in verbose
    version = json.loads(server.kubectl("get", "--raw", "/version").stdout)
    assert version["minor"] == "32"
    resources = server.kubectl("api-resources", "-o", "name").stdout.split()
    for r in ["pods", "deployments.apps", "leases.coordination.k8s.io", "roles.rbac.authorization.k8s.io", "cronjobs.batch"]:
        assert r in resources
    assert "apiserver_request_total" in server.kubectl("get", "--raw", "/metrics").stdout
    explain = server.kubectl("explain", "deployments.spec.strategy").stdout
    assert "rollingUpdate" in explain


def test_other_kubectl_minors_discover_and_list(server):
    """kubectl 1.29 asks only for aggregated discovery v2beta1; 1.33 for v2: both must find resources."""
    import os
    for minor in ("1.27", "1.29", "1.33"):
        binary = f"/usr/lib/google-cloud-sdk/bin/kubectl.{minor}"
        if not os.path.exists(binary):
            continue
        r = subprocess.run([binary, "--kubeconfig", server.kubeconfig, "--cache-dir", f"{server.cache_dir}-{minor}",
                            "get", "deployments,services", "-A"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, (minor, r.stderr)
        assert "kubernetes" in r.stdout, (minor, r.stdout)


def test_get_all_uses_categories_and_short_names(server):
    server.kubectl("create", "deployment", "all-dep", "--image=busybox:1.36")
    out = server.kubectl("get", "all").stdout
    assert "service/kubernetes" in out and "deployment.apps/all-dep" in out
    server.kubectl("create", "cm", "all-cm")
    names = server.kubectl("get", "deploy,svc,cm", "-o", "name").stdout.split()
    assert {"deployment.apps/all-dep", "service/kubernetes", "configmap/all-cm"} <= set(names)


def test_auth_reviews_and_impersonation(server):
    assert server.kubectl("auth", "can-i", "create", "pods").stdout.strip() == "yes"
    r = server.kubectl("auth", "can-i", "list", "secrets", "--as=alice", check=False)
    assert r.stdout.strip() == "no" and r.returncode == 1
    who = server.kubectl("auth", "whoami", "-o", "json").stdout
    assert '"username": "system:admin"' in who and "system:masters" in who
    who = server.kubectl("auth", "whoami", "--as=bob", "--as-group=dev", "-o", "json").stdout
    assert '"username": "bob"' in who and '"dev"' in who
    r = server.kubectl("get", "pods", "--as=alice", check=False)
    assert r.returncode != 0 and 'User "alice" cannot list resource "pods"' in r.stderr
    rules = server.kubectl("auth", "can-i", "--list").stdout
    assert "*.*" in rules
