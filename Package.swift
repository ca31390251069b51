// swift-tools-version:6.0
import PackageDescription

/// The long-running components allocate through jemalloc (Debian's libjemalloc2): measured on the
/// 1,000-node cluster benchmark it takes a quarter off the apiserver's CPU per pod against glibc's
/// malloc (BENCHMARKS.md).
let jemalloc: [LinkerSetting] = [.linkedLibrary("jemalloc")]

/// swiftlet-proxy and swiftlet-dns run on every node and hold little: they link the Swift runtime
/// and FoundationEssentials in, non-PIE, and keep glibc's malloc. Only the runtime pages they touch
/// become resident and nothing needs relocating at start (shared runtime, PIE and jemalloc: 29.3 MB
/// and 27.7 MB RSS; BENCHMARKS.md). Static FoundationEssentials needs its two helper archives.
let smallNodeComponent: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib", "-Xclang-linker", "-no-pie",
                  "-Xlinker", "-l_FoundationCollections", "-Xlinker", "-l_FoundationCShims"]),
]

let package = Package(
    name: "swiftlet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swiftlet", targets: ["supervisor"]),
        .executable(name: "swiftlet-supervisor", targets: ["supervise"]),
        .executable(name: "swiftlet-apiserver", targets: ["apiserver"]),
        .executable(name: "swiftlet-scheduler", targets: ["scheduler"]),
        .executable(name: "swiftlet-controllers", targets: ["controllers"]),
        .executable(name: "swiftlet-kubelet", targets: ["kubelet"]),
        .executable(name: "swiftlet-proxy", targets: ["proxy"]),
        .executable(name: "swiftlet-bench", targets: ["bench"]),
        .executable(name: "swiftlet-testchild", targets: ["testchild"]),
        .executable(name: "swiftlet-pause", targets: ["pause"]),
        .executable(name: "swiftlet-dns", targets: ["dns"]),
        .executable(name: "swiftlet-dns-bench", targets: ["dnsbench"]),
        .executable(name: "swiftlet-multicall", targets: ["multicall"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),

        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        .systemLibrary(name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),

        .systemLibrary(name: "CSystemd", path: "Sources/CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),

        // The system OpenSSL for the supervisor's health probes (its pages are shared system-wide,
        // unlike a bundled BoringSSL).
        // Headers only: the libraries are linked statically by Supervision (see there).
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", providers: [.apt(["libssl-dev"])]),

        // Shared libraries.
        // The JSON value type, parser and serializer (no Foundation).
        .target(name: "SwiftletJSON", dependencies: [
            .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        // POSIX helpers for the Foundation-free modules: whole-file reads, running a tool with
        // captured output, stderr.
        .target(name: "SwiftletSystem"),
        // YAML parsing on the system's libyaml, without Foundation (Yams needs it).
        .target(name: "SwiftletYAML", dependencies: ["CYAML"]),
        .target(name: "KubeAPI", dependencies: [
            "SwiftletJSON",
            .product(name: "OrderedCollections", package: "swift-collections"),
            "SwiftletYAML",
        ]),
        .target(name: "KubeStore", dependencies: ["CSQLite"]),
        // sd_notify, watchdog and journal streams; no-ops without systemd.
        .target(name: "Systemd", dependencies: ["CSystemd"]),
        .target(name: "KubePKI", dependencies: [
            "KubeAPI",
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),
        .target(name: "KubeHTTP", dependencies: [
            "KubePKI",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The version every executable reports (no dependencies).
        .target(name: "SwiftletInfo"),
        .target(name: "SwiftletCore", dependencies: [
            "CMalloc",
            "KubeAPI", "SwiftletInfo",
            "SwiftletYAML",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The supervisor's control socket: wire protocol, server, client and CLI helpers.
        // Foundation- and NIO-free: the server side runs in the long-lived swiftlet-supervisor process.
        .target(name: "SupervisorControl", dependencies: ["SwiftletJSON", "Supervision"]),
        // The CLI verbs' helpers: status tables, logs, check-config, kubectl passthrough.
        .target(name: "SwiftletCLI", dependencies: ["SupervisorControl", "Supervision", "SwiftletCore", "SwiftletJSON", "SwiftletSystem"]),
        // The supervisor's process control and orchestration (no component code).
        // Foundation- and NIO-free: it runs in the long-lived swiftlet-supervisor process.
        .target(name: "Supervision", dependencies: [
            "SwiftletJSON", "SwiftletSystem", "COpenSSL",
            .product(name: "Logging", package: "swift-log"),
        ], linkerSettings: [
            // OpenSSL linked in statically: only the code the probe runs becomes resident in the
            // supervisor (the shared libcrypto costs ~1.4 MB just to load and relocate).
            .unsafeFlags(["-Xlinker", "-l:libssl.a", "-Xlinker", "-l:libcrypto.a"]),
        ]),
        // Everything around containerd except CRI: its config.toml, registries.yaml -> hosts.toml,
        // OCI image archives (the pause image) and importing air-gap image tarballs with `ctr`.
        .target(name: "ContainerdSupport", dependencies: [
            "SwiftletJSON", "SwiftletInfo", "SwiftletSystem",
            .product(name: "Crypto", package: "swift-crypto"),
            "SwiftletYAML",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // REST client, reflectors, informers, work queues and leader election for the components.
        .target(name: "KubeClient", dependencies: [
            "KubeAPI", "SwiftletCore", "SwiftletSystem",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            .product(name: "Logging", package: "swift-log"),
            "SwiftletYAML",
        ]),
        // What every component executable shares: health endpoints, signals, logging.
        .target(name: "ComponentKit", dependencies: [
            "KubeHTTP", "KubeClient", "SwiftletCore", "KubePKI",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // The scheduler's filters, scores and queue as pure functions over API objects.
        .target(name: "SchedulerCore", dependencies: ["KubeAPI"]),
        // The scheduler's driver: informers -> ClusterSnapshot/SchedulingQueue -> bindings, under leader election.
        .target(name: "SchedulerRuntime", dependencies: [
            "SchedulerCore", "KubeClient", "ComponentKit", "KubeAPI", "SwiftletCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The service proxy: Services and EndpointSlices -> one nftables table, applied atomically.
        .target(name: "ServiceProxy", dependencies: [
            "SwiftletJSON", "SwiftletSystem",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The simulated container runtime: many hollow nodes (Node, Lease, pod status) in one kubelet.
        .target(name: "SimulatedNodes", dependencies: [
            "KubeAPI", "KubeClient", "ComponentKit", "SwiftletInfo",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The real node agent: Node registration and heartbeat, pods run on a CRI runtime (containerd),
        // the CNI config, machine capacity. Pure translators (pod spec -> CRI config, CRI -> pod status).
        .target(name: "NodeAgent", dependencies: [
            "KubeAPI", "KubeClient", "ComponentKit", "KubeHTTP", "SwiftletInfo", "SwiftletSystem", "CRI", "ContainerdSupport", "SimulatedNodes",
            // nft for the node's pod masquerade table (PodMasquerade).
            "ServiceProxy",
            .product(name: "Logging", package: "swift-log"),
            // Probes and lifecycle hooks: HTTP(S) GETs (KubeHTTP's HTTP1Client) and TCP connects to
            // pods, gRPC health checks.
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // The controllers' reconcile logic as pure functions returning `ControllerAction`s.
        .target(name: "WorkloadControllers", dependencies: ["KubeAPI", "SwiftletSystem"]),
        // The controller manager's driver: informers, work queues and leader election around the
        // pure reconcile functions of WorkloadControllers.
        .target(name: "ControllerManager", dependencies: [
            "WorkloadControllers", "KubeClient", "ComponentKit", "KubeAPI", "SwiftletCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "APIServer", dependencies: [
            "KubeAPI", "KubeStore", "KubePKI", "KubeHTTP", "SwiftletCore", "CMalloc",
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),

        // CRI (runtime.v1) gRPC client for containerd over its unix socket. The messages and method
        // descriptors in Sources/CRI/Generated are generated by Scripts/generate-cri.py and committed;
        // they encode on KubeAPI's protobuf wire helpers (no SwiftProtobuf, so no Foundation).
        .target(name: "CRI", dependencies: [
            "KubeAPI",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            // Call deadlines as event-loop timers (ContainerRuntimeClient.withDeadline).
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // Cluster DNS: the wire codec, the cluster zone (CoreDNS `kubernetes` semantics), the cache,
        // the forwarder and the UDP/TCP servers. No Foundation: swiftlet-dns runs on every server.
        .target(name: "ClusterDNS", dependencies: [
            "SwiftletJSON", "SwiftletSystem",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // The executables' commands, as libraries: each thin executable below runs one, and the
        // multi-call binary (swiftlet-multicall, what the Debian package installs) all of them.
        .target(name: "APIServerEntry", dependencies: [
            "APIServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // `swiftlet`: the CLI; `server`/`agent` prepare a plan and exec swiftlet-supervisor.
        .target(name: "SwiftletEntry", dependencies: [
            "Supervision", "SupervisorControl", "SwiftletCLI", "SwiftletCore", "KubePKI", "ContainerdSupport",
            "SwiftletSystem",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `swiftlet-supervisor`: the long-running supervisor, kept free of Foundation to stay small.
        .target(name: "SupervisorEntry", dependencies: [
            "Supervision", "SupervisorControl", "Systemd", "SwiftletInfo",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SchedulerEntry", dependencies: [
            "SchedulerRuntime", "ComponentKit", "KubeClient", "SwiftletCore", "SwiftletSystem",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "ControllersEntry", dependencies: [
            "ControllerManager", "ComponentKit", "KubeClient", "SwiftletCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "KubeletEntry", dependencies: [
            "SwiftletCore", "SimulatedNodes", "NodeAgent", "CRI", "ComponentKit", "KubeClient", "ContainerdSupport", "SwiftletSystem",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "ProxyEntry", dependencies: [
            "ServiceProxy", "SwiftletCore", "SwiftletSystem", "ComponentKit", "KubeClient", "KubeAPI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `swiftlet-dns`: cluster DNS from Service and EndpointSlice informers, forwarding the rest.
        .target(name: "DNSEntry", dependencies: [
            "ClusterDNS", "ComponentKit", "KubeClient", "KubeAPI", "SwiftletCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Executables: thin mains.
        .executableTarget(name: "apiserver", dependencies: ["APIServerEntry", .product(name: "ArgumentParser", package: "swift-argument-parser")], linkerSettings: jemalloc),
        .executableTarget(name: "supervisor", dependencies: ["SwiftletEntry", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "supervise", dependencies: ["SupervisorEntry"], linkerSettings: [
            // The Swift runtime linked in, in a non-PIE image: only the pages this long-lived process
            // touches become resident, and nothing needs relocating (16.2 MB RSS vs 18.6 MB dynamic).
            .unsafeFlags(["-static-stdlib", "-Xclang-linker", "-no-pie"]),
        ]),
        .executableTarget(name: "scheduler", dependencies: ["SchedulerEntry", .product(name: "ArgumentParser", package: "swift-argument-parser")], linkerSettings: jemalloc),
        .executableTarget(name: "controllers", dependencies: ["ControllersEntry", .product(name: "ArgumentParser", package: "swift-argument-parser")], linkerSettings: jemalloc),
        .executableTarget(name: "kubelet", dependencies: ["KubeletEntry", .product(name: "ArgumentParser", package: "swift-argument-parser")], linkerSettings: jemalloc),
        .executableTarget(name: "proxy", dependencies: ["ProxyEntry", .product(name: "ArgumentParser", package: "swift-argument-parser")], linkerSettings: smallNodeComponent),
        // glibc's malloc (arenas limited by ComponentMain), not jemalloc: memory matters more here
        // than allocation speed, and cached answers are served at 60k q/s either way.
        .executableTarget(name: "dns", dependencies: ["DNSEntry", .product(name: "ArgumentParser", package: "swift-argument-parser")], linkerSettings: smallNodeComponent),
        // Every component in one executable, chosen by argv[0]: what the Debian package installs.
        .executableTarget(name: "multicall", dependencies: [
            "APIServerEntry", "SwiftletEntry", "SupervisorEntry", "SchedulerEntry", "ControllersEntry",
            "KubeletEntry", "ProxyEntry", "DNSEntry",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: smallNodeComponent + jemalloc),
        // `swiftlet-dns-bench`: cached queries/s of a ClusterDNS server in a child process, and its RSS.
        .executableTarget(name: "dnsbench", dependencies: [
            "ClusterDNS",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // A controllable child process for the supervisor's tests (HTTPS /readyz and /healthz).
        .executableTarget(name: "testchild", dependencies: [
            "KubeHTTP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The pod sandbox's pause process in C, linked statically so its image holds one file. swiftc links
        // C executables too and adds the Swift runtime start-up object, so plain `-static` is refused
        // ("may not be used with -emit-executable"); `-static-executable` works (6.7 MB stripped).
        .executableTarget(name: "pause", linkerSettings: [.unsafeFlags(["-static-executable"])]),
        // Benchmark of the API server; drives a separate swiftlet-apiserver process over HTTPS.
        .executableTarget(name: "bench", dependencies: [
            "KubeStore", "SwiftletCore", "KubeAPI", "KubeClient", "ContainerdSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests.
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI"]),
        .testTarget(name: "SwiftletYAMLTests", dependencies: ["SwiftletYAML"]),
        .testTarget(name: "KubeStoreTests", dependencies: ["KubeStore"]),
        // Upgrades end to end over loopback TLS (generated PKI), frames and heads as units.
        .testTarget(name: "KubeHTTPTests", dependencies: [
            "KubeHTTP", "KubePKI",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "KubePKITests", dependencies: ["KubePKI"]),
        .testTarget(name: "APIServerTests", dependencies: [
            "APIServer", "KubeAPI", "KubeStore", "KubeHTTP", "SwiftletCore", "KubePKI",
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "SupervisorTests", dependencies: ["SwiftletCore", "KubePKI", "Supervision"]),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd"]),
        // CapturedCommand, ReadOnlyFile and PathName against real processes and files.
        .testTarget(name: "SwiftletSystemTests", dependencies: ["SwiftletSystem"]),
        .testTarget(name: "SupervisorControlTests", dependencies: [
            "SupervisorControl", "SwiftletCLI", "SwiftletCore",
        ]),
        // HTTPClient tests run a real APIServer in-process (generated PKI, SQLite store, HTTPS).
        .testTarget(name: "KubeClientTests", dependencies: [
            "KubeClient", "KubeAPI", "APIServer", "KubePKI", "KubeStore", "KubeHTTP", "SwiftletCore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "SimulatedNodesTests", dependencies: ["SimulatedNodes", "ComponentKit", "KubeClient", "KubeAPI"]),
        .testTarget(name: "SchedulerCoreTests", dependencies: ["SchedulerCore", "KubeAPI"]),
        .testTarget(name: "SchedulerRuntimeTests", dependencies: [
            "SchedulerRuntime", "SchedulerCore", "KubeClient", "ComponentKit", "KubeAPI", "SwiftletCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ServiceProxyTests", dependencies: [
            "ServiceProxy", "SwiftletJSON", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "WorkloadControllersTests", dependencies: ["WorkloadControllers", "KubeAPI"]),
        .testTarget(name: "ControllerManagerTests", dependencies: [
            "ControllerManager", "WorkloadControllers", "KubeClient", "KubeAPI", "SwiftletCore", "ComponentKit",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ContainerdSupportTests", dependencies: ["ContainerdSupport", "SwiftletInfo", "SwiftletJSON"]),
        // Runs a real containerd (own root, state and socket in a temp dir) as a child process.
        // Golden bytes come from protoc --encode/--decode (Debian's protobuf-compiler).
        .testTarget(name: "CRITests", dependencies: [
            "CRI", "ContainerdSupport", "KubeAPI", "SwiftletSystem", .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
        ]),
        // Pure translators, plus a real containerd + CRI run of the pod runtime.
        .testTarget(name: "NodeAgentTests", dependencies: [
            "NodeAgent", "CRI", "KubeAPI", "ContainerdSupport", "ServiceProxy", "SwiftletSystem",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        ]),
        // Codec, zone semantics, fuzzing, and real UDP/TCP servers on loopback with a fake upstream.
        .testTarget(name: "ClusterDNSTests", dependencies: [
            "ClusterDNS", "SwiftletJSON",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "SupervisionTests", dependencies: ["Supervision", "SwiftletCore", "KubePKI", "SwiftletJSON"]),
    ],
    swiftLanguageModes: [.v6]
)
