import KubeAPI
import Testing
@testable import APIServer

@Suite struct ServiceAccountAdmissionTests {
    static let path = "/var/run/secrets/kubernetes.io/serviceaccount"

    static func pod(spec: JSON = [:], annotations: JSON? = nil) -> JSON {
        var pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "namespace": "shop"],
                         "spec": ["containers": [["name": "main", "image": "busybox"]]]]
        for (key, value) in spec.objectValue ?? [:] { pod["spec"][key] = value }
        if let annotations { pod["metadata"]["annotations"] = annotations }
        return pod
    }

    static func admitted(_ pod: JSON, account: JSON = ["metadata": ["name": "default"]]) -> JSON {
        var pod = pod
        _ = ServiceAccountAdmission.defaultName(&pod)
        ServiceAccountAdmission.admit(&pod, serviceAccount: account) { "kube-api-access-abcde" }
        return pod
    }

    @Test func defaultsTheAccountAndAddsTheProjectedVolumeAndMount() {
        let pod = Self.admitted(Self.pod())
        #expect(pod["spec"]["serviceAccountName"] == "default")
        #expect(pod["spec"]["serviceAccount"] == "default")
        let volumes = pod["spec"]["volumes"].arrayValue ?? []
        #expect(volumes.count == 1)
        #expect(volumes.first?["name"] == "kube-api-access-abcde")
        let projected = volumes.first?["projected"] ?? .null
        #expect(projected["defaultMode"] == 420)
        let sources = projected["sources"].arrayValue ?? []
        #expect(sources.count == 3)
        #expect(sources[0]["serviceAccountToken"] == ["expirationSeconds": 3607, "path": "token"])
        #expect(sources[1]["configMap"] == ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]])
        #expect(sources[2]["downwardAPI"]["items"][0] ==
            ["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]])
        #expect(pod["spec"]["containers"][0]["volumeMounts"] ==
            [["name": "kube-api-access-abcde", "readOnly": true, "mountPath": .string(Self.path)]])
    }

    @Test func namedAccountAndDeprecatedFieldAreKept() {
        var named = Self.pod(spec: ["serviceAccountName": "builder"])
        #expect(ServiceAccountAdmission.defaultName(&named) == "builder")
        #expect(named["spec"]["serviceAccount"] == "builder")
        var deprecated = Self.pod(spec: ["serviceAccount": "legacy"])
        #expect(ServiceAccountAdmission.defaultName(&deprecated) == "legacy")
        #expect(deprecated["spec"]["serviceAccountName"] == "legacy")
    }

    /// The pod's own setting wins over its ServiceAccount's; unset on both mounts.
    @Test(arguments: [
        (nil, nil, true), (false, nil, false), (nil, false, false), (true, false, true), (false, true, false), (nil, true, true),
    ] as [(Bool?, Bool?, Bool)])
    func automountOptOuts(podSetting: Bool?, accountSetting: Bool?, mounted: Bool) {
        var spec: JSON = [:]
        if let podSetting { spec["automountServiceAccountToken"] = .bool(podSetting) }
        var account: JSON = ["metadata": ["name": "default"]]
        if let accountSetting { account["automountServiceAccountToken"] = .bool(accountSetting) }
        let pod = Self.admitted(Self.pod(spec: spec), account: account)
        #expect(pod["spec"]["volumes"].isNull == !mounted)
        #expect(pod["spec"]["containers"][0]["volumeMounts"].isNull == !mounted)
        #expect(pod["spec"]["serviceAccountName"] == "default")
    }

    @Test func initContainersAreMountedAndOwnMountsAtThePathKept() {
        let own: JSON = ["name": "mine", "mountPath": .string(Self.path)]
        let pod = Self.admitted(Self.pod(spec: [
            "initContainers": [["name": "init", "image": "busybox"]],
            "containers": [["name": "a", "image": "x", "volumeMounts": [own]], ["name": "b", "image": "x"]],
            "volumes": [["name": "mine", "emptyDir": [:]]],
        ]))
        #expect(pod["spec"]["initContainers"][0]["volumeMounts"][0]["name"] == "kube-api-access-abcde")
        #expect(pod["spec"]["containers"][0]["volumeMounts"] == [own])
        #expect(pod["spec"]["containers"][1]["volumeMounts"][0]["mountPath"] == .string(Self.path))
        #expect(pod["spec"]["volumes"].arrayValue?.map { $0["name"] } == ["mine", "kube-api-access-abcde"])
    }

    @Test func noVolumeWhenEveryContainerHasItsOwnMount() {
        let own: JSON = ["name": "mine", "mountPath": .string(Self.path)]
        let pod = Self.admitted(Self.pod(spec: ["containers": [["name": "a", "image": "x", "volumeMounts": [own]]],
                                                "volumes": [["name": "mine", "emptyDir": [:]]]]))
        #expect(pod["spec"]["volumes"].arrayValue?.count == 1)
    }

    /// A pod that already carries a `kube-api-access-*` volume (re-created from a dump) keeps it.
    @Test func existingAccessVolumeIsReused() {
        let pod = Self.admitted(Self.pod(spec: ["volumes": [["name": "kube-api-access-zzzzz", "projected": ["sources": []]]]]))
        #expect(pod["spec"]["volumes"].arrayValue?.count == 1)
        #expect(pod["spec"]["containers"][0]["volumeMounts"][0]["name"] == "kube-api-access-zzzzz")
    }

    @Test func imagePullSecretsComeFromTheAccountWhenThePodHasNone() {
        let account: JSON = ["metadata": ["name": "default"], "imagePullSecrets": [["name": "reg"]]]
        #expect(Self.admitted(Self.pod(), account: account)["spec"]["imagePullSecrets"] == [["name": "reg"]])
        let own = Self.admitted(Self.pod(spec: ["imagePullSecrets": [["name": "mine"]]]), account: account)
        #expect(own["spec"]["imagePullSecrets"] == [["name": "mine"]])
    }

    @Test func mirrorPodsAreLeftAloneOrRefused() {
        let mirror: JSON = ["kubernetes.io/config.mirror": "hash"]
        var plain = Self.pod(annotations: mirror)
        #expect(ServiceAccountAdmission.defaultName(&plain) == nil)
        #expect(plain["spec"]["serviceAccountName"].isNull)
        #expect(ServiceAccountAdmission.mirrorViolation(plain) == nil)
        #expect(ServiceAccountAdmission.mirrorViolation(Self.pod(spec: ["serviceAccountName": "x"], annotations: mirror))
            == "a mirror pod may not reference service accounts")
        let projecting = Self.pod(spec: ["volumes": [["name": "t", "projected": ["sources": [["serviceAccountToken": ["path": "t"]]]]]]],
                                  annotations: mirror)
        #expect(ServiceAccountAdmission.mirrorViolation(projecting) == "a mirror pod may not use ServiceAccountToken volume projections")
        #expect(ServiceAccountAdmission.mirrorViolation(Self.pod(spec: ["serviceAccountName": "x"])) == nil)
    }

    /// The server's names: the prefix and five characters of upstream's alphabet.
    @Test func generatedVolumeNamesFollowUpstreamsFormat() {
        let allowed = Set("bcdfghjklmnpqrstvwxz2456789")
        for _ in 0..<20 {
            let name = Objects.generatedName(prefix: ServiceAccountAdmission.volumePrefix)
            #expect(name.hasPrefix("kube-api-access-"))
            let suffix = name.dropFirst("kube-api-access-".count)
            #expect(suffix.count == 5 && suffix.allSatisfy(allowed.contains))
        }
    }
}
