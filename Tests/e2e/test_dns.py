"""swiftlet-dns against a real `swiftlet server`: Services and EndpointSlices created with kubectl
become DNS names (queried with busybox nslookup), deletions take them away, and /readyz passes
only after the informers synced. The DNS process is started and stopped here by its PID."""
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import BIN_DIR, wait_for

BUSYBOX = shutil.which("busybox")

OBJECTS = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec:
  clusterIP: None
  ports: [{name: pg, port: 5432}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-1, namespace: default, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
endpoints:
- addresses: [10.42.0.5]
  hostname: db-0
  conditions: {ready: true}
- addresses: [10.42.0.6]
  conditions: {ready: false}
ports: [{name: pg, port: 5432, protocol: TCP}]
"""


@pytest.fixture()
def dns(server):
    tls = os.path.join(server.data_dir, "server", "tls")
    config = {
        "kubeconfig": server.kubeconfig,
        "tlsCertFile": os.path.join(tls, "serving-kube-apiserver.crt"),
        "tlsKeyFile": os.path.join(tls, "serving-kube-apiserver.key"),
        "clientCAFile": os.path.join(tls, "client-ca.crt"),
        "securePort": 0,
        "portFile": os.path.join(server.workdir, "dns-health.port"),
        "logLevel": "info",
        "dnsBindAddress": "127.0.0.1",
        "dnsPort": 0,
    }
    path = os.path.join(server.workdir, "dns.json")
    with open(path, "w") as f:
        json.dump(config, f)
    proc = subprocess.Popen([os.path.join(BIN_DIR, "swiftlet-dns"), "--config", path],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []

    def pump():
        for line in proc.stdout:
            lines.append(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        def port():
            for line in lines:
                m = re.search(r"port=(\d+) .*\] cluster DNS listening", line)
                if m:
                    return int(m.group(1))
            assert proc.poll() is None, "swiftlet-dns exited:\n" + "".join(lines)
            return None
        wait_for(port, timeout=30, message="swiftlet-dns listening")
        yield {"port": port(), "tls": tls, "health_port_file": config["portFile"], "lines": lines}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def lookup(port, name, qtype="a"):
    r = subprocess.run([BUSYBOX, "nslookup", f"-port={port}", f"-type={qtype}", name, "127.0.0.1"],
                       capture_output=True, text=True, timeout=20)
    return r.stdout + r.stderr


def readyz(dns):
    with open(dns["health_port_file"]) as f:
        port = int(f.read().strip())
    context = ssl.create_default_context(cafile=os.path.join(dns["tls"], "server-ca.crt"))
    context.check_hostname = False
    context.load_cert_chain(os.path.join(dns["tls"], "client-admin.crt"), os.path.join(dns["tls"], "client-admin.key"))
    try:
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/readyz", context=context, timeout=5) as r:
            return r.status == 200
    except urllib.error.HTTPError:
        return False


@pytest.mark.skipif(BUSYBOX is None, reason="busybox is not installed")
def test_services_and_slices_become_names(server, dns):
    port = dns["port"]
    wait_for(lambda: readyz(dns), timeout=30, message="/readyz")
    # The API server's own Service exists from the start.
    assert "10.43.0.1" in lookup(port, "kubernetes.default.svc.cluster.local")

    server.kubectl("apply", "-f", "-", input=OBJECTS)
    cluster_ip = server.kubectl("get", "service", "web", "-o", "jsonpath={.spec.clusterIP}").stdout.strip()
    wait_for(lambda: cluster_ip in lookup(port, "web.default.svc.cluster.local"), timeout=10, message="web's A record")
    headless = lookup(port, "db.default.svc.cluster.local")
    assert "10.42.0.5" in headless and "10.42.0.6" not in headless, headless
    assert "10.42.0.5" in lookup(port, "db-0.db.default.svc.cluster.local")
    srv = lookup(port, "_pg._tcp.db.default.svc.cluster.local", "srv")
    assert "5432 db-0.db.default.svc.cluster.local" in srv, srv
    reverse = ".".join(reversed(cluster_ip.split("."))) + ".in-addr.arpa"
    assert "web.default.svc.cluster.local" in lookup(port, reverse, "ptr")
    assert "NXDOMAIN" in lookup(port, "nothere.default.svc.cluster.local")
    assert "10.42.7.9" in lookup(port, "10-42-7-9.default.pod.cluster.local")

    server.kubectl("delete", "service", "web")
    wait_for(lambda: "NXDOMAIN" in lookup(port, "web.default.svc.cluster.local"), timeout=10, message="web gone")
