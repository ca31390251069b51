import CRI
import KubeAPI
import NodeAgent
import Testing

@Suite struct ContainerSpecTests {
    static let pod: JSON = [
        "metadata": ["name": "web", "namespace": "shop", "uid": "u-1", "labels": ["app": "web"]],
        "spec": [
            "nodeName": "n1", "restartPolicy": "Always",
            "containers": [[
                "name": "main", "image": "busybox:test", "command": ["sh", "-c"],
                "args": ["echo $(POD) on $(NODE) at $(IP) $$(POD) $(MISSING)"], "workingDir": "/tmp",
                "ports": [["containerPort": 8080, "hostPort": 18080], ["containerPort": 9090, "protocol": "UDP"]],
                "env": [
                    ["name": "POD", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
                    ["name": "NS", "valueFrom": ["fieldRef": ["fieldPath": "metadata.namespace"]]],
                    ["name": "UID", "valueFrom": ["fieldRef": ["fieldPath": "metadata.uid"]]],
                    ["name": "IP", "valueFrom": ["fieldRef": ["fieldPath": "status.podIP"]]],
                    ["name": "NODE", "valueFrom": ["fieldRef": ["fieldPath": "spec.nodeName"]]],
                    ["name": "APP", "valueFrom": ["fieldRef": ["fieldPath": "metadata.labels['app']"]]],
                    ["name": "GREETING", "value": "hi $(POD)"],
                ],
                "resources": ["limits": ["cpu": "500m", "memory": "64Mi"], "requests": ["cpu": "250m"]],
                "tty": true,
            ]],
        ],
    ]
    static let context = PodRuntimeContext(nodeName: "n1", hostIP: "192.0.2.1", podIP: "10.42.0.7")

    @Test func containerConfigFromSpec() throws {
        let container = Self.pod["spec"]["containers"][0]
        let config = try ContainerSpec.config(pod: Self.pod, container: container, attempt: 2, context: Self.context)
        #expect(config.metadata.name == "main")
        #expect(config.metadata.attempt == 2)
        #expect(config.image.image == "busybox:test")
        #expect(config.command == ["sh", "-c"])
        #expect(config.args == ["echo web on n1 at 10.42.0.7 $(POD) $(MISSING)"])
        #expect(config.workingDir == "/tmp")
        #expect(config.logPath == "main/2.log")
        #expect(config.tty)
        let env = Dictionary(uniqueKeysWithValues: config.envs.map { ($0.key, $0.value) })
        #expect(env == ["POD": "web", "NS": "shop", "UID": "u-1", "IP": "10.42.0.7", "NODE": "n1", "APP": "web", "GREETING": "hi web"])
        #expect(config.envs.map(\.key) == ["POD", "NS", "UID", "IP", "NODE", "APP", "GREETING"])
        #expect(config.labels[PodLabels.podUID] == "u-1")
        #expect(config.labels[PodLabels.containerName] == "main")
        #expect(config.linux.resources.cpuPeriod == 100_000)
        #expect(config.linux.resources.cpuQuota == 50_000)
        #expect(config.linux.resources.cpuShares == 256)
        #expect(config.linux.resources.memoryLimitInBytes == 64 * 1024 * 1024)
    }

    @Test func resourcesDefaults() throws {
        let none = try ContainerSpec.resources([:])
        #expect(none.cpuShares == 2)
        #expect(none.cpuQuota == 0)
        #expect(none.memoryLimitInBytes == 0)
        // A limit alone is also the request.
        let limitOnly = try ContainerSpec.resources(["limits": ["cpu": "2"]])
        #expect(limitOnly.cpuShares == 2048)
        #expect(limitOnly.cpuQuota == 200_000)
        let tiny = try ContainerSpec.resources(["limits": ["cpu": "1m"]])
        #expect(tiny.cpuQuota == 1000)
    }

    static let badMemory: JSON = ["name": "c", "image": "x", "resources": ["limits": ["memory": "lots"]]]
    static let secretEnv: JSON = ["name": "c", "image": "x", "env": [["name": "A", "valueFrom": ["secretKeyRef": ["name": "s", "key": "k"]]]]]
    static let bogusField: JSON = ["name": "c", "image": "x", "env": [["name": "A", "valueFrom": ["fieldRef": ["fieldPath": "spec.bogus"]]]]]
    static let noImage: JSON = ["name": "c"]
    static let noName: JSON = ["image": "x"]
    static let badSpecs: [(JSON, String)] = [
        (badMemory, "resources.limits.memory"), (secretEnv, "secret \"s\" not found"),
        (bogusField, "unsupported fieldRef"), (noImage, "has no image"), (noName, "without a name"),
    ]

    @Test(arguments: badSpecs)
    func badSpecsAreClearErrors(container: JSON, message: String) {
        do {
            _ = try ContainerSpec.config(pod: Self.pod, container: container, attempt: 0, context: Self.context)
            Issue.record("no error for \(container)")
        } catch {
            #expect("\(error)".contains(message))
        }
    }

    @Test(arguments: [("$(A)", "1"), ("$$(A)", "$(A)"), ("$(B)", "$(B)"), ("a$", "a$"), ("$(A", "$(A"), ("x$(A)y$(A)", "x1y1"), ("$", "$")])
    func expansion(text: String, expected: String) {
        #expect(ContainerSpec.expand(text, ["A": "1"]) == expected)
    }

    /// Pods started at the same moment go to different shims of their namespace (a shim creates
    /// one container at a time); a quiet namespace keeps using its first.
    @Test func shimGroupChoice() {
        #expect(PodSandboxSpec.leastBusyShimGroup(namespace: "shop", groups: 4, starting: [:]) == "swiftlet/shop/0")
        var starting: [String: Int] = [:]
        var chosen: [String] = []
        for _ in 0..<5 {
            let group = PodSandboxSpec.leastBusyShimGroup(namespace: "shop", groups: 4, starting: starting)
            starting[group, default: 0] += 1
            chosen.append(group)
        }
        #expect(chosen == ["swiftlet/shop/0", "swiftlet/shop/1", "swiftlet/shop/2", "swiftlet/shop/3", "swiftlet/shop/0"])
        // Busy groups of another namespace do not count.
        #expect(PodSandboxSpec.leastBusyShimGroup(namespace: "web", groups: 4, starting: starting) == "swiftlet/web/0")
        #expect(PodSandboxSpec.leastBusyShimGroup(namespace: "shop", groups: 4, starting: ["swiftlet/shop/0": 1, "swiftlet/shop/1": 1]) == "swiftlet/shop/2")
        #expect(PodSandboxSpec.leastBusyShimGroup(namespace: "shop", groups: 0, starting: starting) == "swiftlet/shop/0")
    }

    @Test func sandboxConfig() {
        let dns = ResolvConf(parsing: "# comment\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch lan example\noptions ndots:2\n")
        #expect(dns.servers == ["192.0.2.53"])
        #expect(dns.searches == ["lan", "example"])
        let config = PodSandboxSpec.config(pod: Self.pod, attempt: 1, logRoot: "/logs", dns: dns)
        #expect(config.metadata.name == "web")
        #expect(config.metadata.namespace == "shop")
        #expect(config.metadata.uid == "u-1")
        #expect(config.metadata.attempt == 1)
        #expect(config.hostname == "web")
        #expect(config.logDirectory == "/logs/shop_web_u-1")
        #expect(config.dnsConfig.servers == ["192.0.2.53"])
        #expect(config.dnsConfig.options == ["ndots:2"])
        #expect(config.portMappings.count == 1)
        #expect(config.portMappings.first?.hostPort == 18080)
        #expect(config.portMappings.first?.containerPort == 8080)
        #expect(config.labels[PodLabels.podName] == "web")
        #expect(config.linux.cgroupParent == "/kubepods/burstable/podu-1")
        #expect(config.linux.securityContext.namespaceOptions.network == .pod)
        // The shim group the kubelet chose; a pod naming its own group keeps it.
        #expect(config.annotations["io.containerd.runc.v2.group"] == nil)
        let grouped = PodSandboxSpec.config(pod: Self.pod, attempt: 0, logRoot: "/logs", dns: dns, shimGroup: "swiftlet/shop/1")
        #expect(grouped.annotations["io.containerd.runc.v2.group"] == "swiftlet/shop/1")
        var ownShim = Self.pod
        ownShim["metadata"]["annotations"] = ["io.containerd.runc.v2.group": "web-alone"]
        #expect(PodSandboxSpec.config(pod: ownShim, attempt: 0, logRoot: "/logs", dns: dns, shimGroup: "swiftlet/shop/1")
            .annotations["io.containerd.runc.v2.group"] == "web-alone")

        var hostPod = Self.pod
        hostPod["spec"]["hostNetwork"] = true
        var container = Self.pod["spec"]["containers"][0]
        container["resources"] = [:]
        hostPod["spec"]["containers"] = [container]
        let host = PodSandboxSpec.config(pod: hostPod, attempt: 0, logRoot: "/logs", dns: dns)
        #expect(host.hostname == "")
        #expect(host.linux.securityContext.namespaceOptions.network == .node)
        #expect(host.linux.cgroupParent == "/kubepods/besteffort/podu-1")
    }
}
