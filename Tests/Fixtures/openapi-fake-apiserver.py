#!/usr/bin/env python3
"""A tiny fake apiserver for checking Swiftlet's OpenAPI v3 documents with real kubectl.

Serves legacy discovery for a few resources, /version, and the OpenAPI v3 documents dumped
by Swiftlet into DIR (DIR/root.json, DIR/api/v1.json, DIR/apis/<group>/<version>.json).
POSTed objects are kept in memory (GET answers them, PATCH logs its content type and body and
answers the object unchanged); every request line is logged to stderr.

Usage: openapi-fake-apiserver.py DIR PORT
  kubectl --server http://127.0.0.1:PORT --cache-dir $(mktemp -d) explain pods.spec.containers
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

DIR, PORT = sys.argv[1], int(sys.argv[2])
OBJECTS = {}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def res(name, kind, namespaced=True, short=()):
    return {"name": name, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
            "verbs": VERBS, "shortNames": list(short)}


DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": g, "versions": [{"groupVersion": g + "/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": g + "/v1", "version": "v1"}}
        for g in ["apps", "rbac.authorization.k8s.io"]]},
    "/api/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
        res("pods", "Pod", short=["po"]), res("services", "Service", short=["svc"]),
        res("configmaps", "ConfigMap", short=["cm"]), res("namespaces", "Namespace", False, ["ns"]),
        res("nodes", "Node", False, ["no"])]},
    "/apis/apps/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1", "resources": [
        res("deployments", "Deployment", short=["deploy"]), res("statefulsets", "StatefulSet", short=["sts"])]},
    "/apis/rbac.authorization.k8s.io/v1": {"kind": "APIResourceList", "apiVersion": "v1",
                                           "groupVersion": "rbac.authorization.k8s.io/v1",
                                           "resources": [res("clusterroles", "ClusterRole", False)]},
    "/version": {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "gitCommit": "0", "gitTreeState": "clean",
                 "buildDate": "2024-12-11T00:00:00Z", "goVersion": "go1.23.4", "compiler": "gc",
                 "platform": "linux/amd64"},
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("REQ %s\n" % (fmt % args))
        sys.stderr.flush()

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urlparse(self.path).path
        if path in OBJECTS:
            return self.reply(200, OBJECTS[path])
        if path in DISCOVERY:
            return self.reply(200, DISCOVERY[path])
        if path == "/openapi/v3":
            return self.reply(200, json.load(open(os.path.join(DIR, "root.json"))))
        if path.startswith("/openapi/v3/"):
            file = os.path.join(DIR, path[len("/openapi/v3/"):] + ".json")
            if os.path.exists(file):
                return self.reply(200, json.load(open(file)))
        self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                         "code": 404, "message": "not found"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        sys.stderr.write("BODY %s\n" % body.decode())
        obj = json.loads(body)
        obj.setdefault("metadata", {}).setdefault("namespace", "default")
        obj["metadata"].update({"uid": "u-1", "resourceVersion": "1"})
        OBJECTS[urlparse(self.path).path + "/" + obj["metadata"]["name"]] = obj
        self.reply(201, obj)

    def do_PATCH(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        sys.stderr.write("PATCH %s %s\n" % (self.headers.get("Content-Type"), body.decode()))
        self.reply(200, OBJECTS.get(urlparse(self.path).path, {}))


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
