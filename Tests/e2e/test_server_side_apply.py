"""`kubectl apply --server-side` against a real `swiftlet server`: field ownership, pruning of
dropped fields, conflicts and --force-conflicts. Needs `swift build` first."""
import json

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
  labels: {app: ssa, tier: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: ssa}
  template:
    metadata:
      labels: {app: ssa}
    spec:
      containers:
      - name: main
        image: busybox:1.36
        command: ["sleep", "3600"]
"""


def get(server, name="ssa"):
    return json.loads(server.kubectl("get", "deployment", name, "-o", "json", "--show-managed-fields").stdout)


def apply_entry(obj, manager="kubectl"):
    entries = [e for e in obj["metadata"].get("managedFields", []) if e["manager"] == manager and e["operation"] == "Apply"]
    assert len(entries) == 1, obj["metadata"].get("managedFields")
    return entries[0]


def test_server_side_apply_creates_then_prunes_a_dropped_field(server):
    r = server.kubectl("apply", "--server-side", "-f", "-", input=DEPLOYMENT)
    assert "deployment.apps/ssa serverside-applied" in r.stdout
    d = get(server)
    assert d["metadata"]["labels"] == {"app": "ssa", "tier": "web"}
    entry = apply_entry(d)
    assert entry["apiVersion"] == "apps/v1" and entry["fieldsType"] == "FieldsV1"
    containers = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert containers['k:{"name":"main"}'] == {".": {}, "f:command": {}, "f:image": {}, "f:name": {}}
    assert entry["fieldsV1"]["f:spec"]["f:replicas"] == {}
    # Server-set metadata is nobody's.
    assert "f:name" not in entry["fieldsV1"].get("f:metadata", {})

    # The same configuration again changes nothing the applier owns. (The resourceVersion may move:
    # the deployment controller writes status and its revision annotation meanwhile.)
    generation, applied_at = d["metadata"]["generation"], entry["time"]
    server.kubectl("apply", "--server-side", "-f", "-", input=DEPLOYMENT)
    again = get(server)
    assert again["metadata"]["generation"] == generation
    assert apply_entry(again)["time"] == applied_at

    dropped = DEPLOYMENT.replace("labels: {app: ssa, tier: web}", "labels: {app: ssa}")
    server.kubectl("apply", "--server-side", "-f", "-", input=dropped)
    d = get(server)
    assert d["metadata"]["labels"] == {"app": "ssa"}
    assert "f:tier" not in apply_entry(d)["fieldsV1"]["f:metadata"]["f:labels"]


def test_conflict_after_scale_and_force_conflicts(server):
    manifest = DEPLOYMENT.replace("name: ssa\n", "name: ssa-scaled\n", 1)
    server.kubectl("apply", "--server-side", "-f", "-", input=manifest)
    server.kubectl("scale", "deployment", "ssa-scaled", "--replicas=5")
    assert get(server, "ssa-scaled")["spec"]["replicas"] == 5

    r = server.kubectl("apply", "--server-side", "-f", "-", input=manifest, check=False)
    assert r.returncode != 0
    assert "Apply failed with 1 conflict: conflict with" in r.stderr, r.stderr
    assert ".spec.replicas" in r.stderr
    assert "--force-conflicts" in r.stderr
    assert get(server, "ssa-scaled")["spec"]["replicas"] == 5

    server.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=manifest)
    d = get(server, "ssa-scaled")
    assert d["spec"]["replicas"] == 2
    assert "f:replicas" in apply_entry(d)["fieldsV1"]["f:spec"]
    others = [e for e in d["metadata"]["managedFields"] if e["operation"] == "Update"]
    assert all("f:replicas" not in e["fieldsV1"].get("f:spec", {}) for e in others)

