"""Service-account tokens: TokenRequest (`kubectl create token`, the Python client) and bearer
authentication with the issued JWT (`kubectl auth whoami`), against the real `swiftlet server`."""
import base64
import json
import os

import pytest

from conftest import wait_for

SA_USER = "system:serviceaccount:default:default"


def jwt_part(token, index):
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def token_kubeconfig(server, token, name):
    """A kubeconfig with the server's cluster and CA but only `token` as credential: kubectl's
    `--token` would still present the admin client certificate of the server's kubeconfig."""
    admin = json.loads(server.kubectl("config", "view", "--raw", "-o", "json").stdout)
    cluster = admin["clusters"][0]["cluster"]
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "sa",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "c", "user": "u"}}],
    }
    path = os.path.join(server.workdir, f"kubeconfig-{name}.json")
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def kubectl_as(server, kubeconfig, *args):
    import subprocess
    cmd = ["kubectl", "--kubeconfig", kubeconfig, "--cache-dir", server.cache_dir + "-sa", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=server.workdir))


def default_account(server):
    return wait_for(lambda: server.kubectl("get", "serviceaccount", "default", check=False).returncode == 0,
                    message="the default service account")


def test_create_token_whoami_and_forbidden(server):
    default_account(server)
    token = server.kubectl("create", "token", "default").stdout.strip()
    assert token.count(".") == 2 and "=" not in token
    header, claims = jwt_part(token, 0), jwt_part(token, 1)
    assert header["alg"] == "ES256" and header["kid"]
    assert claims["sub"] == SA_USER
    assert claims["iss"] == "https://kubernetes.default.svc.cluster.local"
    assert claims["aud"] == ["https://kubernetes.default.svc.cluster.local"]
    assert claims["exp"] - claims["iat"] == 3600
    uid = server.kubectl("get", "serviceaccount", "default", "-o", "jsonpath={.metadata.uid}").stdout
    assert claims["kubernetes.io"]["serviceaccount"] == {"name": "default", "uid": uid}

    config = token_kubeconfig(server, token, "sa")
    who = kubectl_as(server, config, "auth", "whoami", "-o", "json")
    assert who.returncode == 0, who.stderr
    info = json.loads(who.stdout)["status"]["userInfo"]
    assert info["username"] == SA_USER
    assert set(info["groups"]) == {"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}
    assert info["uid"] == uid

    # Authenticated (403, not 401) but not authorized: no RBAC grants a service account anything yet.
    pods = kubectl_as(server, config, "get", "pods")
    assert pods.returncode != 0
    assert "Forbidden" in pods.stderr and SA_USER in pods.stderr, pods.stderr
    assert kubectl_as(server, config, "auth", "can-i", "get", "pods").stdout.strip() == "no"

    garbage = kubectl_as(server, token_kubeconfig(server, token[:-10] + "A" * 10, "garbage"), "auth", "whoami")
    assert garbage.returncode != 0 and "Unauthorized" in garbage.stderr, garbage.stderr
    junk = kubectl_as(server, token_kubeconfig(server, "not-a-jwt", "junk"), "get", "pods")
    assert junk.returncode != 0 and "Unauthorized" in junk.stderr, junk.stderr


def test_token_request_validation(server):
    default_account(server)
    short = server.kubectl("create", "token", "default", "--duration", "5m", check=False)
    assert short.returncode != 0 and "may not specify a duration less than 10 minutes" in short.stderr, short.stderr
    missing = server.kubectl("create", "token", "nobody", check=False)
    assert missing.returncode != 0 and "not found" in missing.stderr, missing.stderr
    other = server.kubectl("create", "token", "default", "--audience", "vault", "--duration", "20m").stdout.strip()
    assert jwt_part(other, 1)["aud"] == ["vault"]
    assert jwt_part(other, 1)["exp"] - jwt_part(other, 1)["iat"] == 1200
    # A token for another audience does not authenticate to the API server.
    rejected = kubectl_as(server, token_kubeconfig(server, other, "vault"), "auth", "whoami")
    assert rejected.returncode != 0 and "Unauthorized" in rejected.stderr, rejected.stderr


def test_bound_token_dies_with_its_pod(server):
    default_account(server)
    # serviceAccountName is explicit: this server has no ServiceAccount admission defaulting it.
    server.kubectl("apply", "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bound"},
        "spec": {"serviceAccountName": "default", "containers": [{"name": "c", "image": "busybox"}]}}))
    token = server.kubectl("create", "token", "default", "--bound-object-kind", "Pod",
                           "--bound-object-name", "bound").stdout.strip()
    pod_uid = server.kubectl("get", "pod", "bound", "-o", "jsonpath={.metadata.uid}").stdout
    assert jwt_part(token, 1)["kubernetes.io"]["pod"] == {"name": "bound", "uid": pod_uid}
    config = token_kubeconfig(server, token, "bound")
    who = kubectl_as(server, config, "auth", "whoami", "-o", "json")
    assert who.returncode == 0, who.stderr
    extra = json.loads(who.stdout)["status"]["userInfo"]["extra"]
    assert extra["authentication.kubernetes.io/pod-name"] == ["bound"]
    assert extra["authentication.kubernetes.io/pod-uid"] == [pod_uid]

    wrong = server.kubectl("create", "token", "default", "--bound-object-kind", "Pod", "--bound-object-name", "absent", check=False)
    assert wrong.returncode != 0 and "not found" in wrong.stderr, wrong.stderr

    # An unscheduled pod is deleted at once; its tokens stop authenticating.
    server.kubectl("delete", "pod", "bound", "--grace-period=0", "--force")
    gone = wait_for(lambda: kubectl_as(server, config, "auth", "whoami").returncode != 0, timeout=20,
                    message="the bound token to be rejected")
    assert gone


def test_python_client_token_request_and_review(server):
    default_account(server)
    client, api = server.client()
    v1 = client.CoreV1Api(api)
    answer = v1.create_namespaced_service_account_token("default", "default", {
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 900}})
    assert answer.status.token.count(".") == 2
    assert answer.status.expiration_timestamp is not None
    assert answer.spec.audiences == ["https://kubernetes.default.svc.cluster.local"]
    review = client.AuthenticationV1Api(api).create_token_review({"spec": {"token": answer.status.token}})
    assert review.status.authenticated is True
    assert review.status.user.username == SA_USER

    from kubernetes.client.rest import ApiException
    with pytest.raises(ApiException) as err:
        v1.create_namespaced_service_account_token("default", "default", {"spec": {"expirationSeconds": 60}})
    assert err.value.status == 422


def test_issuer_discovery(server):
    config = json.loads(server.kubectl("get", "--raw", "/.well-known/openid-configuration").stdout)
    assert config["issuer"] == "https://kubernetes.default.svc.cluster.local"
    assert config["jwks_uri"] == "https://kubernetes.default.svc.cluster.local/openid/v1/jwks"
    keys = json.loads(server.kubectl("get", "--raw", "/openid/v1/jwks").stdout)["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "EC" and keys[0]["alg"] == "ES256"
    default_account(server)
    token = server.kubectl("create", "token", "default").stdout.strip()
    assert jwt_part(token, 0)["kid"] == keys[0]["kid"]
