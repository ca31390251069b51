#!/usr/bin/env python3
"""Fake API server that records the protobuf bodies kubectl POSTs.

Used once to capture the fixtures in Tests/KubeAPITests/ProtobufFixtures.swift:

    python3 capture_kubectl_protobuf.py OUTDIR PORT &
    kubectl --server http://127.0.0.1:PORT --cache-dir "$(mktemp -d)" --validate=false \
        create deployment web --image=nginx:1.25 --replicas=3 --port=80

Each POST body is written to OUTDIR/<n>-<last path segment>.bin (raw bytes) and the
Content-Type plus request path to a matching .ct file. The server speaks plain HTTP on
127.0.0.1 only. It also answers enough (a Node, a PodList) for `kubectl drain node1` to
reach its eviction POST; kubectl v1.32.4 sent that one as JSON, not protobuf.
Run with HOME pointed at a temporary directory: the kubectl dispatcher caches /version there.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

OUT, PORT = sys.argv[1], int(sys.argv[2])
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


def res(name, kind, namespaced=True, singular=""):
    return {"name": name, "singularName": singular or kind.lower(), "namespaced": namespaced,
            "kind": kind, "verbs": VERBS}


DOCS = {
    "/version": {"major": "1", "minor": "32", "gitVersion": "v1.32.0"},
    "/api": {"kind": "APIVersions", "versions": ["v1"]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": g, "versions": [{"groupVersion": g + "/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": g + "/v1", "version": "v1"}}
        for g in ["apps", "batch", "authentication.k8s.io", "authorization.k8s.io", "policy",
                  "rbac.authorization.k8s.io", "networking.k8s.io", "scheduling.k8s.io"]]},
    "/api/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
        res("namespaces", "Namespace", False), res("configmaps", "ConfigMap"),
        res("secrets", "Secret"), res("services", "Service"), res("pods", "Pod"),
        res("serviceaccounts", "ServiceAccount"), res("nodes", "Node", False),
        res("resourcequotas", "ResourceQuota"),
        {"name": "serviceaccounts/token", "singularName": "", "namespaced": True,
         "group": "authentication.k8s.io", "version": "v1", "kind": "TokenRequest", "verbs": ["create"]},
        {"name": "pods/eviction", "singularName": "", "namespaced": True,
         "group": "policy", "version": "v1", "kind": "Eviction", "verbs": ["create"]}]},
    "/apis/apps/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1",
                      "resources": [res("deployments", "Deployment")]},
    "/apis/batch/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "batch/v1",
                       "resources": [res("jobs", "Job"), res("cronjobs", "CronJob")]},
    "/apis/authentication.k8s.io/v1": {"kind": "APIResourceList", "apiVersion": "v1",
        "groupVersion": "authentication.k8s.io/v1", "resources": [res("tokenreviews", "TokenReview", False)]},
    "/apis/authorization.k8s.io/v1": {"kind": "APIResourceList", "apiVersion": "v1",
        "groupVersion": "authorization.k8s.io/v1",
        "resources": [res("selfsubjectaccessreviews", "SelfSubjectAccessReview", False)]},
    "/apis/policy/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "policy/v1",
                        "resources": [res("poddisruptionbudgets", "PodDisruptionBudget")]},
    "/apis/rbac.authorization.k8s.io/v1": {"kind": "APIResourceList", "apiVersion": "v1",
        "groupVersion": "rbac.authorization.k8s.io/v1", "resources": [
            res("roles", "Role"), res("rolebindings", "RoleBinding"),
            res("clusterroles", "ClusterRole", False), res("clusterrolebindings", "ClusterRoleBinding", False)]},
    "/apis/networking.k8s.io/v1": {"kind": "APIResourceList", "apiVersion": "v1",
        "groupVersion": "networking.k8s.io/v1", "resources": [res("ingresses", "Ingress")]},
    "/apis/scheduling.k8s.io/v1": {"kind": "APIResourceList", "apiVersion": "v1",
        "groupVersion": "scheduling.k8s.io/v1", "resources": [res("priorityclasses", "PriorityClass", False)]},
}
KINDS = {"deployments": ("apps/v1", "Deployment"), "namespaces": ("v1", "Namespace"),
         "configmaps": ("v1", "ConfigMap"), "secrets": ("v1", "Secret"), "services": ("v1", "Service"),
         "jobs": ("batch/v1", "Job"), "cronjobs": ("batch/v1", "CronJob"),
         "token": ("authentication.k8s.io/v1", "TokenRequest"),
         "selfsubjectaccessreviews": ("authorization.k8s.io/v1", "SelfSubjectAccessReview"),
         "eviction": ("policy/v1", "Eviction"), "serviceaccounts": ("v1", "ServiceAccount"),
         "roles": ("rbac.authorization.k8s.io/v1", "Role"),
         "rolebindings": ("rbac.authorization.k8s.io/v1", "RoleBinding"),
         "clusterroles": ("rbac.authorization.k8s.io/v1", "ClusterRole"),
         "clusterrolebindings": ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
         "resourcequotas": ("v1", "ResourceQuota"), "poddisruptionbudgets": ("policy/v1", "PodDisruptionBudget"),
         "priorityclasses": ("scheduling.k8s.io/v1", "PriorityClass"),
         "ingresses": ("networking.k8s.io/v1", "Ingress"), "pods": ("v1", "Pod")}
count = 0


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, doc):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in DOCS:
            self.reply(200, DOCS[path])
        elif path.startswith("/api/v1/namespaces/") and "/serviceaccounts/" in path:
            self.reply(200, {"apiVersion": "v1", "kind": "ServiceAccount",
                             "metadata": {"name": path.rsplit("/", 1)[1], "namespace": "default"}})
        elif path.startswith("/api/v1/nodes/"):
            # Enough of a Node and a PodList for `kubectl drain` to reach its eviction POST.
            self.reply(200, {"apiVersion": "v1", "kind": "Node",
                             "metadata": {"name": path.rsplit("/", 1)[1]}, "spec": {}})
        elif path == "/api/v1/pods":
            self.reply(200, {"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [
                {"metadata": {"name": "p1", "namespace": "default", "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u1",
                     "controller": True}]},
                 "spec": {"nodeName": "node1", "containers": [{"name": "c", "image": "i"}]}}]})
        else:
            self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                             "reason": "NotFound", "code": 404, "message": "not found"})

    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        segment = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[1]
        count += 1
        base = os.path.join(OUT, "%02d-%s" % (count, segment))
        with open(base + ".bin", "wb") as f:
            f.write(body)
        with open(base + ".ct", "w") as f:
            f.write(self.headers.get("Content-Type", "") + " " + self.path + "\n")
        api, kind = KINDS.get(segment, ("v1", "Status"))
        doc = {"apiVersion": api, "kind": kind, "metadata": {"name": "x", "namespace": "default"}}
        if kind in ("TokenRequest", "SelfSubjectAccessReview"):
            doc["status"] = {"allowed": True, "token": "t", "expirationTimestamp": "2030-01-01T00:00:00Z"}
        self.reply(201, doc)

    def do_PATCH(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.do_GET()

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
