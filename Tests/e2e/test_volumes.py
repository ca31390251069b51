"""Pod volumes and environment sources on the real node (containerd, the kubelet on CRI): one
server for every check. Containers print what they see into their logs, which the test reads
from the node's pod-log directory; volumes are also checked where they live on the host."""
import json
import os

from conftest import wait_for
from realnode import real_node, requires_containerd

pytestmark = requires_containerd

READER = ("echo env COLOR=$COLOR PW=$PW CFG=$CFG_color OPT=${OPT:-unset}; echo secret=$(cat /sec/password); "
          "cat /proc/mounts; while true; do echo color=$(cat /cfg/color) sub=$(cat /sub-color) proj=$(cat /proj/c); echo shared=$(cat /shared/note); "
          "sleep 1; done")


def vol_pod():
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "vol", "labels": {"app": "vol"}},
        "spec": {"terminationGracePeriodSeconds": 1, "volumes": [
            {"name": "cfg", "configMap": {"name": "cfg"}},
            {"name": "sec", "secret": {"secretName": "sec", "defaultMode": 0o400}},
            {"name": "shared", "emptyDir": {}},
            {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "4Mi"}},
            {"name": "info", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
            {"name": "proj", "projected": {"sources": [{"configMap": {"name": "cfg", "items": [{"key": "color", "path": "c"}]}},
                                                       {"serviceAccountToken": {"path": "token"}}]}},
        ], "containers": [
            {"name": "reader", "image": "busybox:test", "imagePullPolicy": "Never", "command": ["sh", "-c", READER],
             "env": [{"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "color"}}},
                     {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "password"}}},
                     {"name": "OPT", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k", "optional": True}}}],
             "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "CFG_"}, {"configMapRef": {"name": "cfg"}}],
             "volumeMounts": [{"name": "cfg", "mountPath": "/cfg"}, {"name": "sec", "mountPath": "/sec"},
                              {"name": "shared", "mountPath": "/shared"}, {"name": "mem", "mountPath": "/mem"},
                              {"name": "info", "mountPath": "/info"}, {"name": "proj", "mountPath": "/proj"},
                              {"name": "cfg", "mountPath": "/sub-color", "subPath": "color"}]},
            {"name": "writer", "image": "busybox:test", "imagePullPolicy": "Never",
             "command": ["sh", "-c", "echo from-writer > /data/note; sleep 3600"],
             "volumeMounts": [{"name": "shared", "mountPath": "/data"}]},
        ]},
    }


def simple_pod(name, volumes=(), env=(), mounts=()):
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"terminationGracePeriodSeconds": 1, "volumes": list(volumes), "containers": [{
            "name": "main", "image": "busybox:test", "imagePullPolicy": "Never", "command": ["sleep", "3600"],
            "env": list(env), "volumeMounts": list(mounts)}]},
    }


def test_volumes_and_env_sources():
    with real_node("e2e-vol") as n:
        s, data = n.server, n.data
        pods_dir = os.path.join(data, "agent", "pods")

        def apply(obj):
            s.kubectl("apply", "-f", "-", input=json.dumps(obj))

        def get(kind, name):
            return json.loads(s.kubectl("get", kind, name, "-o", "json").stdout)

        def log(pod, container):
            path = os.path.join(data, "agent", "pod-logs", f"default_{pod['metadata']['name']}_{pod['metadata']['uid']}", container, "0.log")
            try:
                with open(path) as f:
                    return [line.split(" ", 3)[3].rstrip("\n") for line in f if line.count(" ") >= 3]
            except OSError:
                return []

        def events(name):
            return [e for e in json.loads(s.kubectl("get", "events", "-o", "json").stdout)["items"]
                    if e["involvedObject"].get("name") == name]

        def mounts_under(path):
            with open("/proc/self/mountinfo") as f:
                return [line.split()[4] for line in f if line.split()[4].startswith(os.path.realpath(path))]

        def running(name):
            p = get("pod", name)
            return p if p["status"].get("phase") == "Running" and all(
                c.get("state", {}).get("running") for c in p["status"].get("containerStatuses", [{}])) else None

        n.wait_ready()
        apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"color": "blue", "1bad": "x"}})
        apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sec"}, "stringData": {"password": "s3cr3t"}})
        apply(vol_pod())
        # A pod whose ConfigMap does not exist yet, and one whose env names a missing key.
        apply(simple_pod("waits", volumes=[{"name": "later", "configMap": {"name": "later"}}],
                         mounts=[{"name": "later", "mountPath": "/later"}]))
        apply(simple_pod("badenv", env=[{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "nokey"}}}]))

        pod = wait_for(lambda: running("vol"), 60, interval=0.5, message="vol Running")
        uid = pod["metadata"]["uid"]
        lines = wait_for(lambda: (lambda l: l if any(x.startswith("color=") for x in l) else None)(log(pod, "reader")),
                         30, interval=0.5, message="reader output")
        assert "env COLOR=blue PW=s3cr3t CFG=blue OPT=unset" in lines, lines
        assert "secret=s3cr3t" in lines, lines
        assert "color=blue sub=blue proj=blue" in lines, lines
        # emptyDir Memory is a tmpfs of the requested size inside the container.
        assert any(x.startswith("tmpfs /mem tmpfs") and "size=4096k" in x for x in lines), lines
        # The emptyDir is shared by both containers.
        wait_for(lambda: "shared=from-writer" in log(pod, "reader"), 15, interval=0.5, message="shared emptyDir")
        # envFrom without a prefix skipped "1bad" with upstream's warning.
        warnings = [e["message"] for e in events("vol") if e["reason"] == "InvalidEnvironmentVariableNames"]
        assert "Keys [1bad] from the EnvFrom configMap default/cfg were skipped since they are considered invalid environment variable names." in warnings, warnings

        # Host layout: upstream's directories, the atomic writer's ..data link, tmpfs for secrets.
        volumes = os.path.join(pods_dir, uid, "volumes")
        cfg_dir = os.path.join(volumes, "kubernetes.io~configmap", "cfg")
        assert os.readlink(os.path.join(cfg_dir, "color")) == "..data/color"
        assert os.readlink(os.path.join(cfg_dir, "..data")).startswith("..20")
        mounted = mounts_under(os.path.join(pods_dir, uid))
        assert os.path.realpath(os.path.join(volumes, "kubernetes.io~secret", "sec")) in mounted, mounted
        assert os.path.realpath(os.path.join(volumes, "kubernetes.io~empty-dir", "mem")) in mounted, mounted
        # The token source holds a bound token (TokenRequest), beside the rest of the volume.
        proj_dir = os.path.join(volumes, "kubernetes.io~projected", "proj")
        projected = sorted(x for x in os.listdir(proj_dir) if not x.startswith(".."))
        assert projected == ["c", "token"], projected
        assert open(os.path.join(proj_dir, "token")).read().count(".") == 2
        assert oct(os.stat(os.path.join(volumes, "kubernetes.io~secret", "sec", "password")).st_mode & 0o777) == "0o400"

        # A ConfigMap update reaches the running container within seconds (atomic swap).
        s.kubectl("patch", "configmap", "cfg", "-p", json.dumps({"data": {"color": "green"}}))
        # subPath mounts keep the version they were made from (upstream behaviour).
        wait_for(lambda: "color=green sub=blue proj=green" in log(pod, "reader")[-3:], 15, interval=0.5,
                 message="updated ConfigMap in the pod")
        assert [v for v in os.listdir(cfg_dir) if v.startswith("..20")] == [os.readlink(os.path.join(cfg_dir, "..data"))]
        # A label change rewrites the downward API file.
        s.kubectl("label", "pod", "vol", "tier=front")
        labels_file = os.path.join(volumes, "kubernetes.io~downward-api", "info", "labels")
        wait_for(lambda: open(labels_file).read() == 'app="vol"\ntier="front"', 15, interval=0.5, message="downward API update")

        # The missing ConfigMap: FailedMount with upstream's message, ContainerCreating, then
        # the pod starts once the ConfigMap exists.
        message = 'MountVolume.SetUp failed for volume "later" : configmap "later" not found'
        wait_for(lambda: any(e["reason"] == "FailedMount" and e["message"] == message for e in events("waits")),
                 30, interval=0.5, message="FailedMount event")
        waiting = get("pod", "waits")["status"]["containerStatuses"][0]["state"]["waiting"]
        assert waiting["reason"] == "ContainerCreating", waiting
        apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "later"}, "data": {"k": "v"}})
        wait_for(lambda: running("waits"), 30, interval=0.5, message="waits Running after the ConfigMap appeared")

        # A missing key in configMapKeyRef keeps the container in CreateContainerConfigError.
        def config_error():
            st = get("pod", "badenv")["status"].get("containerStatuses", [{}])[0].get("state", {}).get("waiting", {})
            return st if st.get("reason") == "CreateContainerConfigError" else None
        st = wait_for(config_error, 30, interval=0.5, message="CreateContainerConfigError")
        assert st["message"] == "couldn't find key nokey in ConfigMap default/cfg", st

        # Deleting the pod unmounts its tmpfs volumes and removes its directory.
        s.kubectl("delete", "pod", "vol", "--wait=true", timeout=60)
        wait_for(lambda: not os.path.exists(os.path.join(pods_dir, uid)), 30, interval=0.5, message="pod dir removed")
        assert mounts_under(os.path.join(pods_dir, uid)) == []
        s.kubectl("delete", "pod", "waits", "badenv", "--wait=true", timeout=60)
        wait_for(lambda: os.listdir(pods_dir) == [], 30, interval=0.5, message="all pod dirs removed")

        # A pod that finished gives its volumes (here a memory-backed emptyDir) back at once, before
        # it is deleted; its logs stay readable.
        apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "done"}, "spec": {
            "restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
            "volumes": [{"name": "scratch", "emptyDir": {"medium": "Memory"}}],
            "containers": [{"name": "main", "image": "busybox:test", "imagePullPolicy": "Never",
                            "command": ["sh", "-c", "echo finished > /scratch/x && cat /scratch/x"],
                            "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]}]}})
        wait_for(lambda: get("pod", "done")["status"].get("phase") == "Succeeded", 60, interval=0.5, message="done Succeeded")
        done_uid = get("pod", "done")["metadata"]["uid"]
        wait_for(lambda: not os.path.exists(os.path.join(pods_dir, done_uid)), 30, interval=0.5,
                 message="the finished pod's volumes removed")
        assert mounts_under(os.path.join(pods_dir, done_uid)) == []
        assert s.kubectl("logs", "done").stdout.strip() == "finished"
