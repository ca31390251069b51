"""Services on the real node: two busybox httpd pods behind Services, reached through the
proxy's nftables rules from the host and from another pod (ClusterIP, NodePort, LoadBalancer),
a fast refusal with no endpoints, and the cluster DNS from inside a pod (service names with and
without the search path, headless services, ExternalName)."""
import json
import os
import shutil
import socket
import struct
import tempfile
import threading
import time
import urllib.request

import pytest

from conftest import wait_for
from realnode import real_node, requires_containerd

pytestmark = [requires_containerd, pytest.mark.skipif(not shutil.which("nft"), reason="needs nft (nftables)")]

WEB = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"terminationGracePeriodSeconds": 1, "containers": [{
                "name": "httpd", "image": "busybox:test", "imagePullPolicy": "Never",
                "command": ["sh", "-c", "mkdir -p /www && echo $POD_NAME > /www/index.html && exec httpd -f -p 8080 -h /www"],
                "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                "ports": [{"containerPort": 8080, "name": "http"}],
                "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1},
            }]},
        },
    },
}


def service(name, type_="ClusterIP", headless=False):
    spec = {"type": type_, "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
    if headless:
        spec["clusterIP"] = "None"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


CLIENT = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
    "spec": {"terminationGracePeriodSeconds": 1, "containers": [{
        "name": "main", "image": "busybox:test", "imagePullPolicy": "Never", "command": ["sleep", "3600"]}]},
}


def http_get(host, port, timeout=3):
    with urllib.request.urlopen(f"http://{host}:{port}/", timeout=timeout) as r:
        return r.read().decode().strip()


def try_get(host, port):
    try:
        return http_get(host, port)
    except OSError:
        return None


UPSTREAM = "127.0.0.77"  # a loopback address of its own, so no host resolver is in the way
EXTERNAL = ("external.test", "192.0.2.55")


class FakeUpstream:
    """The node's upstream resolver (given with --resolv-conf): answers EXTERNAL, NXDOMAIN otherwise."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((UPSTREAM, 53))
        self.queries = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            ident, = struct.unpack("!H", data[:2])
            labels, i = [], 12
            while data[i]:
                labels.append(data[i + 1:i + 1 + data[i]].decode())
                i += 1 + data[i]
            question = data[12:i + 5]
            qtype, = struct.unpack("!H", data[i + 1:i + 3])
            name = ".".join(labels).lower()
            self.queries.append(name)
            if name == EXTERNAL[0] and qtype == 1:
                answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4) + socket.inet_aton(EXTERNAL[1])
                reply = struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + question + answer
            else:
                rcode = 0 if name == EXTERNAL[0] else 3
                reply = struct.pack("!HHHHHH", ident, 0x8180 | rcode, 1, 0, 0, 0) + question
            self.sock.sendto(reply, peer)

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def cluster():
    upstream = FakeUpstream()
    resolv = tempfile.NamedTemporaryFile("w", prefix="swiftlet-resolv-", suffix=".conf", delete=False)
    resolv.write(f"nameserver {UPSTREAM}\n")
    resolv.close()
    try:
        with real_node("svc-node", extra_args=["--resolv-conf", resolv.name]) as node:
            node.upstream = upstream
            yield from _cluster(node)
    finally:
        upstream.close()
        os.unlink(resolv.name)


def _cluster(node):
    """Deploys the web pods, their Services and a client pod; yields once all are ready."""
    s = node.server
    objects = [WEB, service("web"), service("web-np", "NodePort"), service("web-lb", "LoadBalancer"),
               service("web-headless", headless=True), CLIENT,
               {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                "spec": {"type": "ExternalName", "externalName": EXTERNAL[0]}},
               {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "alias"},
                "spec": {"type": "ExternalName", "externalName": "web.default.svc.cluster.local"}}]
    s.kubectl("apply", "-f", "-", input="\n".join(json.dumps(o) for o in objects))
    node.wait_ready()
    wait_for(lambda: len(ready_endpoints(node, "web")) == 2, 90, interval=0.5, message="2 ready endpoints of web")
    node.wait_pod("client", lambda p: p["status"].get("phase") == "Running", 60)
    yield node
    # The Deployment would replace the pods the harness deletes at the end.
    s.kubectl("delete", "deployment", "web", "--wait=true", check=False, timeout=60)


def ready_endpoints(node, service_name, ready_only=True):
    slices = json.loads(node.server.kubectl("get", "endpointslices", "-l", f"kubernetes.io/service-name={service_name}",
                                            "-o", "json").stdout)["items"]
    return [e["addresses"][0] for s in slices for e in s.get("endpoints") or []
            if e.get("conditions", {}).get("ready") or not ready_only]


def cluster_ip(node, name, namespace="default"):
    return node.get("service", name, namespace)["spec"]["clusterIP"]


def in_client(node, *command, check=True):
    return node.server.kubectl("exec", "client", "--", *command, check=check, timeout=30)


def test_cluster_ip_answers_from_the_host_and_from_a_pod_using_both_endpoints(cluster):
    ip = cluster_ip(cluster, "web")
    pods = {p["metadata"]["name"] for p in json.loads(cluster.server.kubectl(
        "get", "pods", "-l", "app=web", "-o", "json").stdout)["items"]}
    seen = set()
    wait_for(lambda: (seen.add(try_get(ip, 80)) or seen >= pods), 30, interval=0.1, message=f"both endpoints of {ip}")
    assert seen - {None} == pods
    # The API through the kubernetes Service, as in-cluster clients reach it (a TCP connect).
    api = in_client(cluster, "sh", "-c", "echo | nc -w 3 10.43.0.1 443 >/dev/null; echo rc=$?").stdout
    assert "rc=0" in api, api
    # busybox's nc, not wget: the static busybox's wget crashes in glibc's NSS without libnss files.
    out = in_client(cluster, "sh", "-c", f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {ip} 80").stdout
    assert out.strip().splitlines()[-1] in pods, out


def test_node_port_and_load_balancer_answer_on_the_node(cluster):
    port = cluster.get("service", "web-np")["spec"]["ports"][0]["nodePort"]
    assert wait_for(lambda: try_get("127.0.0.1", port), 30, interval=0.2, message=f"NodePort {port} on 127.0.0.1")
    lb = wait_for(lambda: (cluster.get("service", "web-lb").get("status", {}).get("loadBalancer", {}).get("ingress") or [None])[0],
                  30, interval=0.5, message="a LoadBalancer ingress address")
    # ServiceLB's address is the node's: on this loopback-only test server, 127.0.0.1.
    assert lb["ip"] == cluster.get("node", "svc-node")["status"]["addresses"][0]["address"]
    assert wait_for(lambda: try_get(lb["ip"], 80), 30, interval=0.2, message=f"LoadBalancer {lb['ip']}:80")


def test_dns_inside_a_pod(cluster):
    ip = cluster_ip(cluster, "web")
    resolv = in_client(cluster, "cat", "/etc/resolv.conf").stdout
    dns_ip = cluster_ip(cluster, "kube-dns", "kube-system")
    assert f"nameserver {dns_ip}" in resolv and "default.svc.cluster.local svc.cluster.local cluster.local" in resolv, resolv
    assert "ndots:5" in resolv
    # The full name, and the short one through the search path.
    for name in ["web.default.svc.cluster.local", "web"]:
        out = wait_for(lambda: (lambda r: r.stdout if ip in r.stdout else None)(in_client(cluster, "nslookup", name, check=False)),
                       30, interval=1, message=f"nslookup {name}")
        assert ip in out
    headless = in_client(cluster, "nslookup", "web-headless.default.svc.cluster.local").stdout
    for address in ready_endpoints(cluster, "web"):
        assert address in headless, headless
    # An ExternalName inside the cluster resolves there; one outside, and any other name, is
    # forwarded to the node's upstream resolver.
    alias = in_client(cluster, "nslookup", "alias.default.svc.cluster.local").stdout
    assert "web.default.svc.cluster.local" in alias and ip in alias, alias
    ext = in_client(cluster, "nslookup", "ext.default.svc.cluster.local").stdout
    assert EXTERNAL[0] in ext and EXTERNAL[1] in ext, ext
    direct = in_client(cluster, "nslookup", EXTERNAL[0]).stdout
    assert EXTERNAL[1] in direct, direct
    assert EXTERNAL[0] in cluster.upstream.queries
    missing = in_client(cluster, "nslookup", "nothing.default.svc.cluster.local", check=False)
    assert missing.returncode != 0 and "NXDOMAIN" in missing.stdout + missing.stderr


def test_scaling_to_zero_refuses_fast_and_scaling_back_restores(cluster):
    ip = cluster_ip(cluster, "web")
    cluster.server.kubectl("scale", "deployment", "web", "--replicas=0")
    # Terminating pods still serve (as upstream, the proxy falls back to them) until they are gone.
    wait_for(lambda: ready_endpoints(cluster, "web", ready_only=False) == [], 60, interval=0.5, message="no endpoints")

    def refused():
        begin = time.monotonic()
        try:
            socket.create_connection((ip, 80), timeout=5).close()
            return None
        except ConnectionRefusedError:
            return time.monotonic() - begin
        except OSError:
            return None
    # The first attempts may race the proxy's sync (a SYN sent to the deleted pod is retried after
    # a second); once the reject rule is in, every new connection is refused at once.
    wait_for(refused, 10, interval=0.2, message=f"{ip}:80 refused")
    times = [refused() for _ in range(5)]
    assert all(t is not None and t < 0.5 for t in times), f"refusals took {times}"

    cluster.server.kubectl("scale", "deployment", "web", "--replicas=2")
    wait_for(lambda: len(ready_endpoints(cluster, "web")) == 2, 90, interval=0.5, message="2 endpoints again")
    assert wait_for(lambda: try_get(ip, 80), 30, interval=0.2, message=f"{ip}:80 answering again")
