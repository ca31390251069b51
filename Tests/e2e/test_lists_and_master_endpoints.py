"""`kind: List` manifests with real kubectl (client-side validation needs /openapi/v2), and the
`default/kubernetes` Endpoints and EndpointSlice the API server keeps pointing at itself."""
import json
import os
import subprocess
import time
from urllib.parse import urlparse

import pytest

from conftest import wait_for

KUBECTL_127 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.27"

LIST = json.dumps({"apiVersion": "v1", "kind": "List", "items": [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "list-a"}, "data": {"k": "v"}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "list-s"}, "spec": {"ports": [{"port": 80}]}},
]})

MULTI = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: multi-1}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: multi-2}
---
apiVersion: v1
kind: ConfigMapList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: multi-3}
"""


def kubectl_of(server, binary):
    """A kubectl runner for `binary` (None: the dispatcher on PATH) with its own discovery cache."""
    def run(*args, input=None, check=True):
        if binary is None:
            return server.kubectl(*args, input=input, check=check)
        cmd = [binary, "--kubeconfig", server.kubeconfig, "--cache-dir", f"{server.cache_dir}-{os.path.basename(binary)}", *args]
        r = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, HOME=server.workdir))
        if check and r.returncode != 0:
            raise AssertionError(f"{binary} {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r
    return run


VERSIONS = [None, KUBECTL_127]


@pytest.mark.parametrize("binary", VERSIONS, ids=["default", "1.27"])
def test_list_apply_create_delete(server, binary):
    if binary and not os.path.exists(binary):
        pytest.skip(f"{binary} is not installed")
    kubectl = kubectl_of(server, binary)
    out = kubectl("apply", "-f", "-", input=LIST).stdout
    assert "configmap/list-a created" in out and "service/list-s created" in out
    assert "unchanged" in kubectl("apply", "-f", "-", input=LIST).stdout
    cm = json.loads(kubectl("get", "configmap", "list-a", "-o", "json").stdout)
    assert cm["data"] == {"k": "v"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in cm["metadata"]["annotations"]
    out = kubectl("delete", "-f", "-", input=LIST).stdout
    assert 'configmap "list-a" deleted' in out and 'service "list-s" deleted' in out
    out = kubectl("create", "-f", "-", input=LIST).stdout
    assert "configmap/list-a created" in out and "service/list-s created" in out
    r = kubectl("create", "-f", "-", input=LIST, check=False)
    assert r.returncode != 0 and "AlreadyExists" in r.stderr
    kubectl("delete", "-f", "-", input=LIST)
    assert kubectl("get", "configmap", "list-a", check=False).returncode != 0


@pytest.mark.parametrize("binary", VERSIONS, ids=["default", "1.27"])
def test_list_items_are_validated_before_anything_is_written(server, binary):
    if binary and not os.path.exists(binary):
        pytest.skip(f"{binary} is not installed")
    kubectl = kubectl_of(server, binary)
    bad = json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "valid-first"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bad"}, "bogus": 1},
    ]})
    r = kubectl("apply", "-f", "-", input=bad, check=False)
    assert r.returncode != 0
    assert 'unknown field "bogus"' in r.stderr, r.stderr
    assert kubectl("get", "configmap", "valid-first", check=False).returncode != 0
    # Without validation the unknown field is dropped server-side and both are written.
    kubectl("apply", "--validate=false", "-f", "-", input=bad)
    kubectl("delete", "configmap", "valid-first", "bad")


@pytest.mark.parametrize("binary", VERSIONS, ids=["default", "1.27"])
def test_get_output_round_trips_through_apply(server, binary, tmp_path):
    """`get -o yaml` prints a List; applying it back succeeds. (The dump pins each object's
    resourceVersion, so it applies once: a second apply of the same dump is a 409, as upstream.)"""
    if binary and not os.path.exists(binary):
        pytest.skip(f"{binary} is not installed")
    kubectl = kubectl_of(server, binary)
    kubectl("apply", "-f", "-", input=LIST)
    dump = tmp_path / "dump.yaml"
    dump.write_text(kubectl("get", "cm,svc", "-o", "yaml").stdout)
    assert dump.read_text().startswith("apiVersion: v1\nitems:") and "kind: List" in dump.read_text()
    out = kubectl("apply", "-f", str(dump)).stdout
    assert "configmap/list-a" in out and "service/list-s" in out and "service/kubernetes" in out
    dump.write_text(kubectl("get", "cm,svc", "-o", "yaml").stdout)
    kubectl("apply", "-f", str(dump))
    kubectl("delete", "-f", "-", input=LIST)


def test_multi_document_yaml_with_lists_and_typed_lists(server):
    out = server.kubectl("apply", "-f", "-", input=MULTI).stdout
    for name in ("multi-1", "multi-2", "multi-3"):
        assert f"configmap/{name} created" in out
    out = server.kubectl("delete", "-f", "-", input=MULTI).stdout
    for name in ("multi-1", "multi-2", "multi-3"):
        assert f'configmap "{name}" deleted' in out


def test_openapi_v2_json_form(server):
    doc = json.loads(server.kubectl("get", "--raw", "/openapi/v2").stdout)
    assert doc["swagger"] == "2.0"
    cm = doc["definitions"]["io.k8s.api.core.v1.ConfigMap"]
    assert cm["x-kubernetes-group-version-kind"] == [{"group": "", "kind": "ConfigMap", "version": "v1"}]


def api_port(server):
    return urlparse(server.url).port


def master_objects(server):
    ep = json.loads(server.kubectl("get", "endpoints", "kubernetes", "-o", "json", check=False).stdout or "null")
    sl = json.loads(server.kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=kubernetes",
                                   "-o", "json").stdout)["items"]
    return ep, sl


def test_kubernetes_service_has_endpoints_and_a_slice(server):
    port = api_port(server)
    ep, slices = wait_for(lambda: (lambda e, s: (e, s) if e and s else None)(*master_objects(server)),
                          timeout=30, message="kubernetes endpoints")
    assert ep["subsets"] == [{"addresses": [{"ip": "127.0.0.1"}],
                              "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}]
    assert ep["metadata"]["labels"] == {"endpointslice.kubernetes.io/skip-mirror": "true"}
    assert [s["metadata"]["name"] for s in slices] == ["kubernetes"]
    sl = slices[0]
    assert sl["addressType"] == "IPv4"
    assert sl["endpoints"] == [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}]
    assert sl["ports"] == [{"name": "https", "port": port, "protocol": "TCP"}]
    table = server.kubectl("get", "endpoints", "kubernetes").stdout
    assert f"127.0.0.1:{port}" in table
    table = server.kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=kubernetes").stdout.splitlines()
    assert table[0].split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    assert table[1].split()[:4] == ["kubernetes", "IPv4", str(port), "127.0.0.1"]


def test_nothing_else_rewrites_the_kubernetes_endpoints(server):
    """The Service has no selector: the endpoint controllers leave its objects alone, so they stay
    at one resourceVersion across reconcile rounds."""
    wait_for(lambda: all(master_objects(server)), timeout=30, message="kubernetes endpoints")
    before = [o["metadata"]["resourceVersion"] for o in [master_objects(server)[0], master_objects(server)[1][0]]]
    time.sleep(12)
    ep, slices = master_objects(server)
    assert [ep["metadata"]["resourceVersion"], slices[0]["metadata"]["resourceVersion"]] == before
    assert len(slices) == 1


def test_kubernetes_endpoints_are_restored(server):
    port = api_port(server)
    wait_for(lambda: all(master_objects(server)), timeout=30, message="kubernetes endpoints")
    server.kubectl("patch", "endpoints", "kubernetes", "--type=merge", "-p",
                   json.dumps({"subsets": [{"addresses": [{"ip": "10.9.9.9"}], "ports": [{"name": "https", "port": 1}]}]}))
    server.kubectl("delete", "endpointslice", "kubernetes")
    server.kubectl("apply", "-f", "-", input=json.dumps({
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "kubernetes-stray", "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": "IPv4", "endpoints": [{"addresses": ["10.9.9.9"]}], "ports": [{"name": "https", "port": 1}]}))

    def restored():
        ep, slices = master_objects(server)
        ok = (ep and ep["subsets"][0]["addresses"] == [{"ip": "127.0.0.1"}]
              and ep["subsets"][0]["ports"][0]["port"] == port
              and [s["metadata"]["name"] for s in slices] == ["kubernetes"]
              and slices[0]["ports"][0]["port"] == port)
        return ok or None
    wait_for(restored, timeout=30, interval=0.5, message="restored kubernetes endpoints")
    server.kubectl("delete", "endpoints", "kubernetes")
    wait_for(lambda: master_objects(server)[0], timeout=30, interval=0.5, message="recreated Endpoints")
