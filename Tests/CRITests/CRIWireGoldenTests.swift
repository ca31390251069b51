import CRI
import SwiftletSystem
import Testing

/// The generated messages against the reference encoder: Debian's `protoc --encode/--decode`
/// reading the same Protos/cri/runtime_v1.proto. Each case is a text-format message and the
/// Swift value it must decode to.
@Suite struct CRIWireGoldenTests {
    @Test func podSandboxConfigWithLabelsDNSPortsAndSecurityContext() throws {
        var metadata = Runtime_V1_PodSandboxMetadata()
        metadata.name = "web-0"
        metadata.uid = "u-1"
        metadata.namespace = "default"
        metadata.attempt = 1
        var dns = Runtime_V1_DNSConfig()
        dns.servers = ["10.43.0.10"]
        dns.searches = ["default.svc.cluster.local", "svc.cluster.local"]
        dns.options = ["ndots:5"]
        var udp = Runtime_V1_PortMapping()
        udp.protocol = .udp
        udp.containerPort = 53
        udp.hostPort = 5353
        udp.hostIp = "127.0.0.1"
        var http = Runtime_V1_PortMapping()
        http.containerPort = 80
        var security = Runtime_V1_LinuxSandboxSecurityContext()
        security.namespaceOptions.network = .node
        security.namespaceOptions.pid = .container
        security.selinuxOptions.user = "u"
        security.selinuxOptions.role = "r"
        security.selinuxOptions.type = "t"
        security.selinuxOptions.level = "s0"
        security.runAsUser.value = 1000
        security.readonlyRootfs = true
        security.supplementalGroups = [10, -1, 1 << 40]
        security.privileged = true
        // Set but all-default: presence must survive the round trip.
        security.runAsGroup = Runtime_V1_Int64Value()
        security.seccomp.profileType = .localhost
        security.seccomp.localhostRef = "profiles/x.json"
        security.apparmor.profileType = .unconfined
        var hugepages = Runtime_V1_HugepageLimit()
        hugepages.pageSize = "2MB"
        hugepages.limit = .max
        var config = Runtime_V1_PodSandboxConfig()
        config.metadata = metadata
        config.hostname = "web-0"
        config.logDirectory = "/var/log/pods/default_web-0_u-1"
        config.dnsConfig = dns
        config.portMappings = [udp, http]
        config.labels = ["app": "web", "io.kubernetes.pod.uid": "u-1", "empty": ""]
        config.annotations = ["note": "héllo ✓"]
        config.linux.cgroupParent = "/kubepods/besteffort/podu-1"
        config.linux.securityContext = security
        config.linux.sysctls = ["net.ipv4.ip_unprivileged_port_start": "0"]
        config.linux.resources.cpuShares = 2
        config.linux.resources.memoryLimitInBytes = 268_435_456
        config.linux.resources.hugepageLimits = [hugepages]
        config.linux.resources.unified = ["memory.high": "max"]

        try checkGolden("PodSandboxConfig", config, text: #"""
            metadata { name: "web-0" uid: "u-1" namespace: "default" attempt: 1 }
            hostname: "web-0"
            log_directory: "/var/log/pods/default_web-0_u-1"
            dns_config {
              servers: "10.43.0.10"
              searches: "default.svc.cluster.local" searches: "svc.cluster.local"
              options: "ndots:5"
            }
            port_mappings { protocol: UDP container_port: 53 host_port: 5353 host_ip: "127.0.0.1" }
            port_mappings { container_port: 80 }
            labels { key: "app" value: "web" }
            labels { key: "io.kubernetes.pod.uid" value: "u-1" }
            labels { key: "empty" value: "" }
            annotations { key: "note" value: "héllo ✓" }
            linux {
              cgroup_parent: "/kubepods/besteffort/podu-1"
              security_context {
                namespace_options { network: NODE pid: CONTAINER ipc: POD }
                selinux_options { user: "u" role: "r" type: "t" level: "s0" }
                run_as_user { value: 1000 }
                readonly_rootfs: true
                supplemental_groups: [10, -1, 1099511627776]
                privileged: true
                run_as_group { }
                seccomp { profile_type: Localhost localhost_ref: "profiles/x.json" }
                apparmor { profile_type: Unconfined }
              }
              sysctls { key: "net.ipv4.ip_unprivileged_port_start" value: "0" }
              resources {
                cpu_shares: 2
                memory_limit_in_bytes: 268435456
                hugepage_limits { page_size: "2MB" limit: 18446744073709551615 }
                unified { key: "memory.high" value: "max" }
              }
            }
            """#)
    }

    @Test func containerConfigWithMountsEnvsAndResources() throws {
        var config = Runtime_V1_ContainerConfig()
        config.metadata.name = "app"
        config.metadata.attempt = 3
        config.image.image = "docker.io/library/busybox:1.36"
        config.image.userSpecifiedImage = "busybox:1.36"
        config.image.annotations = ["a": "b"]
        config.command = ["/bin/sh"]
        config.args = ["-c", "echo hi; sleep 1"]
        config.workingDir = "/work"
        config.envs = [Runtime_V1_KeyValue("A", "1"), Runtime_V1_KeyValue("EMPTY", ""), Runtime_V1_KeyValue("A", "again")]
        var hosts = Runtime_V1_Mount()
        hosts.containerPath = "/etc/hosts"
        hosts.hostPath = "/var/lib/kubelet/pods/u/etc-hosts"
        hosts.selinuxRelabel = true
        hosts.propagation = .propagationHostToContainer
        var data = Runtime_V1_Mount()
        data.containerPath = "/data"
        data.hostPath = "/srv/data"
        data.readonly = true
        data.propagation = .propagationBidirectional
        config.mounts = [hosts, data]
        var fuse = Runtime_V1_Device()
        fuse.containerPath = "/dev/fuse"
        fuse.hostPath = "/dev/fuse"
        fuse.permissions = "rwm"
        config.devices = [fuse]
        config.labels = ["io.kubernetes.container.name": "app"]
        config.annotations = ["io.kubernetes.container.restartCount": "3"]
        config.logPath = "app/3.log"
        config.stdin = true
        config.stdinOnce = true
        config.tty = true
        config.linux.resources.cpuPeriod = 100_000
        config.linux.resources.cpuQuota = 50_000
        config.linux.resources.cpuShares = 512
        config.linux.resources.memoryLimitInBytes = 67_108_864
        config.linux.resources.oomScoreAdj = -997
        config.linux.resources.cpusetCpus = "0-1"
        config.linux.resources.memorySwapLimitInBytes = 67_108_864
        config.linux.securityContext.capabilities.addCapabilities = ["NET_ADMIN"]
        config.linux.securityContext.capabilities.dropCapabilities = ["ALL"]
        config.linux.securityContext.noNewPrivs = true
        config.linux.securityContext.runAsUsername = "nobody"
        config.linux.securityContext.maskedPaths = ["/proc/kcore", "/proc/keys"]
        config.linux.securityContext.readonlyPaths = ["/proc/sys"]
        config.linux.securityContext.supplementalGroups = [1, 2]

        try checkGolden("ContainerConfig", config, text: #"""
            metadata { name: "app" attempt: 3 }
            image {
              image: "docker.io/library/busybox:1.36"
              annotations { key: "a" value: "b" }
              user_specified_image: "busybox:1.36"
            }
            command: "/bin/sh"
            args: "-c" args: "echo hi; sleep 1"
            working_dir: "/work"
            envs { key: "A" value: "1" } envs { key: "EMPTY" } envs { key: "A" value: "again" }
            mounts {
              container_path: "/etc/hosts" host_path: "/var/lib/kubelet/pods/u/etc-hosts"
              selinux_relabel: true propagation: PROPAGATION_HOST_TO_CONTAINER
            }
            mounts { container_path: "/data" host_path: "/srv/data" readonly: true propagation: PROPAGATION_BIDIRECTIONAL }
            devices { container_path: "/dev/fuse" host_path: "/dev/fuse" permissions: "rwm" }
            labels { key: "io.kubernetes.container.name" value: "app" }
            annotations { key: "io.kubernetes.container.restartCount" value: "3" }
            log_path: "app/3.log"
            stdin: true stdin_once: true tty: true
            linux {
              resources {
                cpu_period: 100000 cpu_quota: 50000 cpu_shares: 512 memory_limit_in_bytes: 67108864
                oom_score_adj: -997 cpuset_cpus: "0-1" memory_swap_limit_in_bytes: 67108864
              }
              security_context {
                capabilities { add_capabilities: "NET_ADMIN" drop_capabilities: "ALL" }
                no_new_privs: true
                run_as_username: "nobody"
                masked_paths: "/proc/kcore" masked_paths: "/proc/keys"
                readonly_paths: "/proc/sys"
                supplemental_groups: 1 supplemental_groups: 2
              }
            }
            """#)
    }

    @Test func containerStatusResponseWithEnumsAndTimestamps() throws {
        var status = Runtime_V1_ContainerStatus()
        status.id = "4f1c0ffee"
        status.metadata.name = "app"
        status.metadata.attempt = 2
        status.state = .containerExited
        status.createdAt = 1_764_000_000_123_456_789
        status.startedAt = 1_764_000_001_000_000_000
        status.finishedAt = 1_764_000_060_999_999_999
        status.exitCode = -1
        status.image.image = "docker.io/library/busybox:1.36"
        status.imageRef = "sha256:0123456789abcdef"
        status.reason = "Error"
        status.message = "boom: ü"
        status.labels = ["io.kubernetes.pod.name": "web-0", "io.kubernetes.container.name": "app"]
        status.annotations = ["io.kubernetes.container.hash": "1a2b"]
        var mount = Runtime_V1_Mount()
        mount.containerPath = "/data"
        mount.hostPath = "/srv/data"
        mount.propagation = .propagationBidirectional
        status.mounts = [mount]
        status.logPath = "/var/log/pods/x/app/2.log"
        status.resources.linux.cpuQuota = 50_000
        status.resources.linux.memoryLimitInBytes = 134_217_728
        var response = Runtime_V1_ContainerStatusResponse()
        response.status = status
        response.info = ["info": #"{"pid":1234,"sandboxID":"abc"}"#]

        try checkGolden("ContainerStatusResponse", response, text: #"""
            status {
              id: "4f1c0ffee"
              metadata { name: "app" attempt: 2 }
              state: CONTAINER_EXITED
              created_at: 1764000000123456789
              started_at: 1764000001000000000
              finished_at: 1764000060999999999
              exit_code: -1
              image { image: "docker.io/library/busybox:1.36" }
              image_ref: "sha256:0123456789abcdef"
              reason: "Error"
              message: "boom: ü"
              labels { key: "io.kubernetes.pod.name" value: "web-0" }
              labels { key: "io.kubernetes.container.name" value: "app" }
              annotations { key: "io.kubernetes.container.hash" value: "1a2b" }
              mounts { container_path: "/data" host_path: "/srv/data" propagation: PROPAGATION_BIDIRECTIONAL }
              log_path: "/var/log/pods/x/app/2.log"
              resources { linux { cpu_quota: 50000 memory_limit_in_bytes: 134217728 } }
            }
            info { key: "info" value: "{\"pid\":1234,\"sandboxID\":\"abc\"}" }
            """#)
    }

    @Test func execSyncResponseKeepsArbitraryBytes() throws {
        var response = Runtime_V1_ExecSyncResponse()
        response.stdout = [0xFF, 0x00, 0x6F, 0x6B, 0x0A]
        response.stderr = Array("err\n".utf8)
        response.exitCode = 137
        try checkGolden("ExecSyncResponse", response, text: #"""
            stdout: "\377\000ok\n" stderr: "err\n" exit_code: 137
            """#)
    }

    @Test func listResponsesWithRepeatedMessagesAndWrappers() throws {
        var image = Runtime_V1_Image()
        image.id = "sha256:aa"
        image.repoTags = ["docker.io/library/busybox:1.36", "busybox:latest"]
        image.repoDigests = ["docker.io/library/busybox@sha256:bb"]
        image.size = 4_300_000_000
        image.uid.value = 0
        image.username = ""
        image.spec.image = "sha256:aa"
        image.pinned = true
        var other = Runtime_V1_Image()
        other.id = "sha256:cc"
        var response = Runtime_V1_ListImagesResponse()
        response.images = [image, other]
        try checkGolden("ListImagesResponse", response, text: #"""
            images {
              id: "sha256:aa"
              repo_tags: "docker.io/library/busybox:1.36" repo_tags: "busybox:latest"
              repo_digests: "docker.io/library/busybox@sha256:bb"
              size: 4300000000
              uid { value: 0 }
              spec { image: "sha256:aa" }
              pinned: true
            }
            images { id: "sha256:cc" }
            """#)
    }

    /// Checks `expected` against protoc for `type`: protoc's encoding of `text` decodes to it, our
    /// encoding decodes back to it, and protoc can read our encoding (its text re-encoded by
    /// protoc again decodes to `expected`).
    func checkGolden<Message: CRIMessage>(
        _ type: String, _ expected: Message, text: String, proto: String = "cri/runtime_v1.proto",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let reference = try protoc("encode", type, Array(text.utf8), proto: proto)
        let decoded = try Message(wire: reference)
        #expect(decoded == expected, "decoding protoc's bytes", sourceLocation: sourceLocation)

        let ours = expected.wireBytes()
        #expect(try Message(wire: ours) == expected, "round trip", sourceLocation: sourceLocation)
        // Without maps, field order is fixed and the bytes must match exactly.
        if !text.contains("key:") {
            #expect(ours == reference, "bytes differ from protoc's", sourceLocation: sourceLocation)
        } else {
            #expect(ours.count == reference.count, "length differs from protoc's", sourceLocation: sourceLocation)
        }

        let readBack = try protoc("decode", type, ours, proto: proto)
        let reencoded = try protoc("encode", type, readBack, proto: proto)
        let readText = String(decoding: readBack, as: UTF8.self)
        #expect(try Message(wire: reencoded) == expected, "protoc's reading of our bytes:\n\(readText)",
                sourceLocation: sourceLocation)
    }
}

/// Runs Debian's protoc on `proto` (under Protos/) with `input` on stdin; `type` is the message's
/// name in the file's package.
func protoc(_ mode: String, _ type: String, _ input: [UInt8], proto: String = "cri/runtime_v1.proto") throws -> [UInt8] {
    let root = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
    let path = root + "/Protos/" + proto
    let directory = String(path[..<path.lastIndex(of: "/")!])
    let package = proto.hasPrefix("cri/") ? "runtime.v1" : "sample.v1"
    let result = try CapturedCommand.run([
        "/usr/bin/protoc", "--\(mode)=\(package).\(type)", "--proto_path=\(directory)", path,
    ], input: input)
    try #require(result.status == 0, "protoc --\(mode) failed: \(String(decoding: result.stderr, as: UTF8.self))")
    return result.stdout
}
