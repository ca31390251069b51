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
    # The root CA publisher's ConfigMap may already be there too (it is in every namespace).
    assert [n for n in names if n != "kube-root-ca.crt"] == [f"c{i}" for i in range(5)]


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
    code, _, body = _raw(server, "GET", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1&timeoutSeconds=1")
    # Past the compacted window or not, a watch from revision 1 answers 200 with events or an ERROR event.
    assert code == 200
    code, headers, body = _raw(server, "GET", "/api", headers={"Accept": "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"})
    assert code == 200 and "v=v2beta1" in headers["Content-Type"]
    assert json.loads(body)["apiVersion"] == "apidiscovery.k8s.io/v2beta1"


def test_malformed_objects_never_crash_the_server(server):
    """Type-confused and odd manifests get 4xx Status answers and the server stays up."""
    import random
    rnd = random.Random(7)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fz", "labels": {"a": "b"}},
           "spec": {"containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 80}],
                                    "env": [{"name": "A", "value": "1"}], "resources": {"limits": {"cpu": "1"}}}]}}
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "fz"},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}},
                       "template": {"metadata": {"labels": {"a": "b"}}, "spec": pod["spec"]}}}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "fz"},
           "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30000}], "selector": {"a": "b"}}}
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "fz"},
            "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": pod["spec"] | {"restartPolicy": "Never"}}}}}
    targets = [("/api/v1/namespaces/default/pods", pod), ("/apis/apps/v1/namespaces/default/deployments", deploy),
               ("/api/v1/namespaces/default/services", svc), ("/apis/batch/v1/namespaces/default/cronjobs", cron)]
    weird = [None, True, -1, 2**63 - 1, -2**63, 1e308, "", "x" * 300, [], {}, [1, "a"], {"k": []}, "-1", "../..", "\u0000"]

    def paths(obj, prefix=()):
        if isinstance(obj, dict):
            for k, v in obj.items():
                yield prefix + (k,)
                yield from paths(v, prefix + (k,))
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                yield prefix + (i,)
                yield from paths(v, prefix + (i,))

    import copy
    sent = 0
    for url, base in targets:
        for path in list(paths(base)):
            for value in rnd.sample(weird, 4):
                obj = copy.deepcopy(base)
                cur = obj
                for p in path[:-1]:
                    cur = cur[p]
                cur[path[-1]] = value
                if path[:2] == ("metadata", "name") or path == ("metadata",):
                    pass
                else:
                    obj.setdefault("metadata", {}) if isinstance(obj.get("metadata"), dict) else None
                    if isinstance(obj.get("metadata"), dict):
                        obj["metadata"]["name"] = f"fz{sent}"
                code, _, body = _raw(server, "POST", url + "?fieldValidation=Strict", json.dumps(obj).encode(),
                                     {"Content-Type": "application/json"})
                sent += 1
                assert code in (201, 400, 404, 409, 415, 422), (code, url, path, value, body[:300])
                if code != 201:
                    status = json.loads(body)
                    assert status["kind"] == "Status" and status["code"] == code and status["message"]
    assert sent > 200
    code, _, body = _raw(server, "GET", "/readyz")
    assert code == 200 and body == b"ok"


def test_concurrent_patches_all_apply(server):
    """Patches without a resourceVersion never fail with Conflict: the server retries them."""
    import threading
    client, api_client = server.client()
    v1 = client.CoreV1Api(api_client)
    v1.create_namespaced_config_map("default", {"metadata": {"name": "contended"}})
    errors = []

    def worker(w):
        c, ac = server.client()
        api = c.CoreV1Api(ac)
        for i in range(10):
            try:
                api.patch_namespaced_config_map("contended", "default", {"data": {f"w{w}-{i}": "x"}})
            except Exception as e:  # noqa: BLE001 - any failure is the finding
                errors.append(e)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    data = v1.read_namespaced_config_map("contended", "default").data
    assert len(data) == 60
    # A stale resourceVersion still gets 409.
    stale = {"metadata": {"resourceVersion": "1"}, "data": {"late": "x"}}
    with pytest.raises(client.ApiException) as e:
        v1.patch_namespaced_config_map("contended", "default", stale)
    assert e.value.status == 409
