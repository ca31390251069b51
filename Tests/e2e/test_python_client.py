"""The Python `kubernetes` client: CRUD, watch, errors and bad input."""
import json
import ssl
import urllib.request

import pytest


def test_crud_watch_and_errors(server):
    client, api_client = server.client()
    v1 = client.CoreV1Api(api_client)
    apps = client.AppsV1Api(api_client)
    names = [n.metadata.name for n in v1.list_namespace().items]
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= set(names)

    cm = v1.create_namespaced_config_map("default", {"metadata": {"name": "py-cm", "labels": {"src": "py"}}, "data": {"k": "v"}})
    rv = cm.metadata.resource_version
    v1.patch_namespaced_config_map("py-cm", "default", {"data": {"k": "v2"}})
    v1.delete_namespaced_config_map("py-cm", "default", propagation_policy="Background")

    from kubernetes import watch
    seen = []
    for ev in watch.Watch().stream(v1.list_namespaced_config_map, "default", resource_version=rv,
                                   label_selector="src=py", timeout_seconds=3):
        seen.append((ev["type"], ev["object"].data))
    assert seen == [("MODIFIED", {"k": "v2"}), ("DELETED", {"k": "v2"})]

    with pytest.raises(client.ApiException) as e:
        v1.read_namespaced_config_map("py-cm", "default")
    assert e.value.status == 404
    body = json.loads(e.value.body)
    assert body["reason"] == "NotFound" and body["message"] == 'configmaps "py-cm" not found'

    bad = {"metadata": {"name": "py-bad"}, "spec": {"replicas": -1, "selector": {"matchLabels": {"a": "b"}},
                                                    "template": {"metadata": {"labels": {"a": "c"}},
                                                                 "spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    with pytest.raises(client.ApiException) as e:
        apps.create_namespaced_deployment("default", bad)
    assert e.value.status == 422
    causes = json.loads(e.value.body)["details"]["causes"]
    fields = {c["field"] for c in causes}
    assert "spec.replicas" in fields and "spec.template.metadata.labels" in fields
    assert all(c["reason"] for c in causes)


def test_pagination_with_python(server):
    client, api_client = server.client()
    v1 = client.CoreV1Api(api_client)
    v1.create_namespace({"metadata": {"name": "py-pages"}})
    for i in range(5):
        v1.create_namespaced_config_map("py-pages", {"metadata": {"name": f"c{i}"}})
    names, token = [], None
    while True:
        page = v1.list_namespaced_config_map("py-pages", limit=2, _continue=token)
        names += [i.metadata.name for i in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert names == [f"c{i}" for i in range(5)]


def _raw(server, method, path, body=None, headers=None, cert=True):
    """A request with the admin credentials from the kubeconfig, for bad-input checks."""
    import base64
    import tempfile
    import yaml
    with open(server.kubeconfig) as f:
        kc = yaml.safe_load(f)
    ctx = ssl.create_default_context()
    d = tempfile.mkdtemp(dir=server.workdir)
    ca = f"{d}/ca.pem"
    open(ca, "wb").write(base64.b64decode(kc["clusters"][0]["cluster"]["certificate-authority-data"]))
    ctx.load_verify_locations(ca)
    if cert:
        crt, key = f"{d}/c.pem", f"{d}/k.pem"
        open(crt, "wb").write(base64.b64decode(kc["users"][0]["user"]["client-certificate-data"]))
        open(key, "wb").write(base64.b64decode(kc["users"][0]["user"]["client-key-data"]))
        ctx.load_cert_chain(crt, key)
    req = urllib.request.Request(server.url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_bad_input_gets_status_errors(server):
    code, _, body = _raw(server, "GET", "/api/v1/namespaces", cert=False)
    assert code == 401 and json.loads(body)["reason"] == "Unauthorized"
    code, _, body = _raw(server, "POST", "/api/v1/namespaces/default/configmaps", b"{not json", {"Content-Type": "application/json"})
    assert code == 400 and json.loads(body)["reason"] == "BadRequest"
    code, _, body = _raw(server, "POST", "/api/v1/namespaces/default/configmaps", b"x", {"Content-Type": "text/csv"})
    assert code == 415 and json.loads(body)["reason"] == "UnsupportedMediaType"
    big = b'{"metadata":{"name":"big"},"data":{"a":"' + b"x" * (4 * 1024 * 1024) + b'"}}'
    code, _, body = _raw(server, "POST", "/api/v1/namespaces/default/configmaps", big, {"Content-Type": "application/json"})
    assert code == 413
    code, _, body = _raw(server, "GET", "/api/v1/widgets")
    assert code == 404
    code, _, body = _raw(server, "PUT", "/api/v1/namespaces/default/configmaps", b"{}", {"Content-Type": "application/json"})
    assert code == 405
    code, _, body = _raw(server, "POST", "/api/v1/namespaces/default/configmaps", b'{"kind":"Secret","apiVersion":"v1","metadata":{"name":"k"}}',
                         {"Content-Type": "application/json"})
    assert code == 400 and "does not match the expected kind" in json.loads(body)["message"]
    code, _, body = _raw(server, "GET", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1")
    # Past the compacted window or not, a watch from revision 1 answers 200 with events or an ERROR event.
    assert code == 200
    code, headers, body = _raw(server, "GET", "/api", headers={"Accept": "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"})
    assert code == 200 and "v=v2beta1" in headers["Content-Type"]
    assert json.loads(body)["apiVersion"] == "apidiscovery.k8s.io/v2beta1"
