import Foundation
import KubeAPI
import NodeAgent
import Testing

/// A Secret as the API serves it: `data` values in base64.
private func secret(_ name: String, type: String, data: [String: String]) -> JSON {
    var encoded = JSONObject()
    for (key, value) in data { encoded[key] = .string(Data(value.utf8).base64EncodedString()) }
    return .object(["metadata": .object(["name": .string(name), "namespace": "default"]),
                    "type": .string(type), "data": .object(encoded)])
}

private func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

@Suite struct DockerKeyringTests {
    @Test(arguments: [
        ("busybox", "docker.io/library/busybox"),
        ("busybox:1.36", "docker.io/library/busybox"),
        ("library/busybox@sha256:abc", "docker.io/library/busybox"),
        ("docker.io/busybox", "docker.io/library/busybox"),
        ("index.docker.io/team/app:v1", "docker.io/team/app"),
        ("registry.test:5000/app:v1", "registry.test:5000/app"),
        ("localhost/app", "localhost/app"),
        ("quay.io/coreos/etcd:v3", "quay.io/coreos/etcd"),
    ])
    func normalizes(image: String, repository: String) {
        #expect(DockerKeyring.normalizedRepository(image) == repository)
    }

    /// Which of the keys (in the order `lookup` returns their credentials) match the image.
    @Test(arguments: [
        (["registry.test:5000"], "registry.test:5000/app:v1", ["registry.test:5000"]),
        (["https://registry.test:5000/v2/"], "registry.test:5000/app", ["https://registry.test:5000/v2/"]),
        (["http://registry.test:5000"], "registry.test:5000/app", ["http://registry.test:5000"]),
        // The port must be the same on both sides.
        (["registry.test"], "registry.test:5000/app", []),
        (["registry.test:5000"], "registry.test/app", []),
        // Paths are prefixes; the longer key comes first.
        (["quay.io", "quay.io/coreos"], "quay.io/coreos/etcd", ["quay.io/coreos", "quay.io"]),
        (["quay.io/other"], "quay.io/coreos/etcd", []),
        // Globs match one host part each.
        (["*.example.com"], "eu.example.com/app", ["*.example.com"]),
        (["*.example.com"], "a.b.example.com/app", []),
        (["*.example.com"], "example.com/app", []),
        (["reg-?.example.com"], "reg-1.example.com/app", ["reg-?.example.com"]),
        (["example.*"], "example.org/app", ["example.*"]),
        // Docker Hub: its own host, or the legacy index key as the fallback.
        (["docker.io"], "busybox", ["docker.io"]),
        (["https://index.docker.io/v1/"], "busybox:1.36", ["https://index.docker.io/v1/"]),
        (["https://index.docker.io/v1/"], "team/app", ["https://index.docker.io/v1/"]),
        (["https://index.docker.io/v1/"], "quay.io/team/app", []),
        (["gcr.io"], "busybox", []),
    ] as [([String], String, [String])])
    func matches(locations: [String], image: String, expected: [String]) {
        var keyring = DockerKeyring()
        for location in locations {
            let added = keyring.add(location: location, credential: RegistryCredential(username: location, password: "p"))
            #expect(added)
        }
        #expect(keyring.lookup(image: image).map(\.username) == expected)
    }

    @Test func rejectsLocationsWithoutAHost() {
        var keyring = DockerKeyring()
        for location in ["", "https://", "/path", "user@host"] {
            let added = keyring.add(location: location, credential: RegistryCredential(username: "u"))
            #expect(!added, "\(location)")
        }
        #expect(keyring.keys.isEmpty)
    }

    @Test func keepsEveryCredentialOfAKeyInOrder() {
        var keyring = DockerKeyring()
        keyring.add(location: "registry.test", credential: RegistryCredential(username: "first"))
        keyring.add(location: "https://registry.test/", credential: RegistryCredential(username: "second"))
        #expect(keyring.lookup(image: "registry.test/app").map(\.username) == ["first", "second"])
    }
}

@Suite struct PullSecretsTests {
    @Test func readsDockerConfigJSONAndDockercfg() {
        let json = secret("regcred", type: PullSecrets.dockerConfigJSONType, data: [
            ".dockerconfigjson": #"{"auths": {"registry.test:5000": {"auth": "\#(base64("alice:s3cr:et"))"}, "tokens.test": {"identitytoken": "id", "registrytoken": "rt"}}}"#,
        ])
        let cfg = secret("legacy", type: PullSecrets.dockercfgType, data: [
            ".dockercfg": #"{"https://index.docker.io/v1/": {"username": "bob", "password": "pw", "email": "b@x"}}"#,
        ])
        let (keyring, problems) = PullSecrets.keyring(secrets: [json, cfg])
        #expect(problems == [])
        // auth wins and splits on the first colon only.
        #expect(keyring.lookup(image: "registry.test:5000/app") == [
            RegistryCredential(username: "alice", password: "s3cr:et", source: "secret default/regcred")])
        #expect(keyring.lookup(image: "tokens.test/app") == [
            RegistryCredential(identityToken: "id", registryToken: "rt", source: "secret default/regcred")])
        #expect(keyring.lookup(image: "busybox").map(\.username) == ["bob"])
    }

    /// Each bad secret or entry is left out with a message naming it; the good ones still count.
    @Test(arguments: [
        (secret("opaque", type: "Opaque", data: [".dockerconfigjson": #"{"auths": {}}"#]), "is of type Opaque"),
        (secret("nokey", type: PullSecrets.dockerConfigJSONType, data: [".dockercfg": "{}"]), "has no .dockerconfigjson key"),
        (secret("notjson", type: PullSecrets.dockerConfigJSONType, data: [".dockerconfigjson": "{not json"]), "is not JSON"),
        (secret("noauths", type: PullSecrets.dockerConfigJSONType, data: [".dockerconfigjson": #"{"auths": []}"#]), "\"auths\" is not an object"),
        (secret("badb64", type: PullSecrets.dockerConfigJSONType, data: [".dockerconfigjson": #"{"auths": {"r.test": {"auth": "%%%"}}}"#]), "\"auth\" is not base64"),
        (secret("nocolon", type: PullSecrets.dockerConfigJSONType, data: [".dockerconfigjson": #"{"auths": {"r.test": {"auth": "\#(base64("alice"))"}}}"#]), "username:password"),
        (secret("empty", type: PullSecrets.dockerConfigJSONType, data: [".dockerconfigjson": #"{"auths": {"r.test": {}}}"#]), "no auth, username, password or token"),
        (secret("number", type: PullSecrets.dockerConfigJSONType, data: [".dockerconfigjson": #"{"auths": {"r.test": {"username": 5}}}"#]), "\"username\" is not a string"),
        (secret("entry", type: PullSecrets.dockerConfigJSONType, data: [".dockerconfigjson": #"{"auths": {"r.test": "x"}}"#]), "the entry is not an object"),
        (secret("nohost", type: PullSecrets.dockercfgType, data: [".dockercfg": #"{"https://": {"username": "u", "password": "p"}}"#]), "names no host"),
    ] as [(JSON, String)])
    func ignoresBadSecrets(bad: JSON, problem: String) {
        let good = secret("good", type: PullSecrets.dockerConfigJSONType, data: [
            ".dockerconfigjson": #"{"auths": {"r.test": {"username": "u", "password": "p"}}}"#])
        let (keyring, problems) = PullSecrets.keyring(secrets: [bad, good])
        #expect(problems.count == 1)
        #expect(problems.first?.contains(problem) == true, "\(problems)")
        #expect(problems.first?.contains("ignored") == true)
        #expect(keyring.lookup(image: "r.test/app").map(\.username) == ["u"])
    }

    @Test func secretDataThatIsNotBase64IsIgnored() {
        let raw: JSON = .object(["metadata": .object(["name": "raw", "namespace": "default"]),
                                 "type": .string(PullSecrets.dockerConfigJSONType),
                                 "data": .object([".dockerconfigjson": "not base64!"])])
        let (keyring, problems) = PullSecrets.keyring(secrets: [raw])
        #expect(keyring.keys.isEmpty)
        #expect(problems.count == 1)
    }

    @Test func namesInOrderWithoutDuplicates() throws {
        let pod = try JSON(parsing: #"{"spec": {"imagePullSecrets": [{"name": "b"}, {"name": "a"}, {"name": "b"}, {}, {"name": ""}]}}"#)
        #expect(PullSecrets.names(pod: pod) == ["b", "a"])
        #expect(PodReferences(pod: pod).secrets == ["a", "b"])
        #expect(PullSecrets.names(pod: try JSON(parsing: "{}")) == [])
    }
}

@Suite struct ImagePullBackoffTests {
    @Test func doublesToTheCapAndStartsOverAfterAQuietSpell() {
        var backoff = ImagePullBackoff()
        let start = Date(timeIntervalSince1970: 1_000_000)
        #expect(!backoff.inBackoff(at: start))
        #expect(backoff.retryAt == nil)
        var now = start
        var delays: [TimeInterval] = []
        for _ in 0..<7 {
            backoff.failed(at: now, error: "401")
            let retry = try! #require(backoff.retryAt)
            delays.append(retry.timeIntervalSince(now))
            #expect(backoff.inBackoff(at: retry.addingTimeInterval(-0.5)))
            #expect(!backoff.inBackoff(at: retry))
            now = retry
        }
        #expect(delays == [10, 20, 40, 80, 160, 300, 300])
        #expect(backoff.lastError == "401")
        // More than twice the cap without a failure: the next one starts at the initial delay.
        now = now.addingTimeInterval(601)
        backoff.failed(at: now, error: "gone")
        #expect(backoff.retryAt == now.addingTimeInterval(10))
        #expect(backoff.lastError == "gone")
    }
}
