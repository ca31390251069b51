"""Service-account token volumes: the ServiceAccount admission on pod create, the root CA
publisher's `kube-root-ca.crt`, and (on the real node) the token, CA and namespace files inside a
container."""
import base64
import json
import re

from conftest import wait_for
from realnode import real_node, requires_containerd

MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def cluster_ca(server):
    with open(server.kubeconfig) as f:
        data = re.search(r"certificate-authority-data:\s*(\S+)", f.read()).group(1)
    return base64.b64decode(data).decode()


def pod(name, namespace, **spec):
    body = {"containers": [{"name": "main", "image": "busybox", "command": ["sleep", "3600"]}]}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}, "spec": body}


def create(server, obj):
    return json.loads(server.kubectl("create", "-o", "json", "-f", "-", input=json.dumps(obj)).stdout)


def test_pods_get_the_projected_token_volume(server):
    server.kubectl("create", "namespace", "sa-e2e")
    # Created right after its namespace: the admission waits briefly for the `default` account.
    created = create(server, pod("web", "sa-e2e", initContainers=[{"name": "init", "image": "busybox", "command": ["true"]}]))
    spec = created["spec"]
    assert spec["serviceAccountName"] == "default" and spec["serviceAccount"] == "default"
    volumes = [v for v in spec["volumes"] if v["name"].startswith("kube-api-access-")]
    assert len(volumes) == 1, spec["volumes"]
    name = volumes[0]["name"]
    assert re.fullmatch(r"kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}", name), name
    projected = volumes[0]["projected"]
    assert projected["defaultMode"] == 420
    assert projected["sources"][0] == {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
    assert projected["sources"][1]["configMap"]["name"] == "kube-root-ca.crt"
    assert projected["sources"][1]["configMap"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]
    assert projected["sources"][2]["downwardAPI"]["items"][0]["fieldRef"]["fieldPath"] == "metadata.namespace"
    for container in spec["initContainers"] + spec["containers"]:
        assert {"name": name, "readOnly": True, "mountPath": MOUNT} in container["volumeMounts"], container

    # Opt-outs: on the pod, and on its ServiceAccount.
    opted = create(server, pod("opted", "sa-e2e", automountServiceAccountToken=False))
    assert "volumes" not in opted["spec"] and "volumeMounts" not in opted["spec"]["containers"][0]
    server.kubectl("create", "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "quiet", "namespace": "sa-e2e"},
        "automountServiceAccountToken": False}))
    quiet = create(server, pod("quiet", "sa-e2e", serviceAccountName="quiet"))
    assert quiet["spec"]["serviceAccountName"] == "quiet" and "volumes" not in quiet["spec"]

    # A ServiceAccount that does not exist: refused, as upstream does.
    r = server.kubectl("create", "-f", "-", input=json.dumps(pod("ghost", "sa-e2e", serviceAccountName="ghost")), check=False)
    assert r.returncode != 0
    assert 'pods "ghost" is forbidden: error looking up service account sa-e2e/ghost: serviceaccount "ghost" not found' in r.stderr, r.stderr


def test_root_ca_configmap_is_published_and_restored(server):
    ca = cluster_ca(server)
    server.kubectl("create", "namespace", "ca-e2e")

    def published():
        r = server.kubectl("get", "configmap", "kube-root-ca.crt", "-n", "ca-e2e", "-o", "json", check=False)
        return r.returncode == 0 and json.loads(r.stdout).get("data") == {"ca.crt": ca}

    wait_for(published, 30, interval=0.5, message="kube-root-ca.crt in a new namespace")
    # Every namespace has it, the system ones included.
    for namespace in ["default", "kube-system"]:
        server.kubectl("get", "configmap", "kube-root-ca.crt", "-n", namespace)
    server.kubectl("delete", "configmap", "kube-root-ca.crt", "-n", "ca-e2e")
    wait_for(published, 30, interval=0.5, message="kube-root-ca.crt back after deletion")
    server.kubectl("patch", "configmap", "kube-root-ca.crt", "-n", "ca-e2e", "-p", json.dumps({"data": {"ca.crt": "tampered"}}))
    wait_for(published, 30, interval=0.5, message="kube-root-ca.crt restored after an edit")


@requires_containerd
def test_token_files_inside_a_container():
    with real_node("e2e-sa") as n:
        s = n.server
        n.wait_ready()
        script = f"for f in token ca.crt namespace; do echo $f=$(busybox base64 -w 0 {MOUNT}/$f); done; sleep 3600"
        s.kubectl("apply", "-f", "-", input=json.dumps({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "sa"},
            "spec": {"terminationGracePeriodSeconds": 1, "containers": [{
                "name": "main", "image": "busybox:test", "imagePullPolicy": "Never", "command": ["sh", "-c", script]}]}}))
        pod = n.wait_pod("sa", lambda p: p["status"].get("phase") == "Running", 90, "sa Running")

        def output():
            r = s.kubectl("logs", "sa", check=False)
            lines = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
            return lines if {"token", "ca.crt", "namespace"} <= lines.keys() else None

        files = {k: base64.b64decode(v).decode() for k, v in wait_for(output, 30, interval=0.5, message="files printed").items()}
        assert files["namespace"] == "default"
        assert files["ca.crt"] == cluster_ca(s)
        parts = files["token"].split(".")
        assert len(parts) == 3 and all(parts), files["token"]
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        bound = claims.get("kubernetes.io", {}).get("pod", {})
        assert bound.get("uid") == pod["metadata"]["uid"], claims
