import Foundation
import Logging
import SwiftletCore
import Testing

private let root = HostFacts(uid: 0, home: "/root", hostname: "Edge-Box", workingDirectory: "/srv")
private let user = HostFacts(uid: 1000, home: "/home/ada/", hostname: "lab", workingDirectory: "/home/ada/work")

private func file(_ path: String, _ yaml: String) throws -> ConfigFile {
    try ConfigFile.parse(yaml, path: path)
}

@Suite struct ServerConfigResolveTests {
    @Test func defaultsForRoot() throws {
        let config = try ServerConfig.resolve(ServerConfigInputs(), host: root)
        #expect(config.dataDir == "/var/lib/swiftlet")
        #expect(config.runDir == "/run/swiftlet")
        #expect(config.writeKubeconfig == "/etc/swiftlet/swiftlet.yaml")
        #expect(config.writeKubeconfigMode == 0o600)
        #expect(config.httpsListenPort == 6443)
        #expect(config.bindAddress == "0.0.0.0")
        #expect(config.advertiseAddress == nil)
        #expect(config.nodeName == "edge-box")
        #expect(config.clusterCIDR == "10.42.0.0/16")
        #expect(config.serviceCIDR == "10.43.0.0/16")
        #expect(config.serviceNodePortRange == "30000-32767")
        #expect(config.clusterDomain == "cluster.local")
        #expect(config.disableAgent == false)
        #expect(config.logLevel == .warning)
        #expect(config.databasePath == "/var/lib/swiftlet/server/db/state.db")
        #expect(config.credentialPath("admin") == "/var/lib/swiftlet/server/cred/admin.kubeconfig")
        #expect(config.pidFile("apiserver") == "/run/swiftlet/apiserver.pid")
    }

    @Test func containerRuntimeSettings() throws {
        let defaults = try ServerConfig.resolve(ServerConfigInputs(), host: root)
        #expect(defaults.containerRuntimeEndpoint == nil)
        #expect(defaults.privateRegistry == "/etc/swiftlet/registries.yaml")
        #expect(defaults.agentDirectory == "/var/lib/swiftlet/agent")
        let fromFile = try ServerConfig.resolve(ServerConfigInputs(files: [try file("/etc/swiftlet/config.yaml", """
            container-runtime-endpoint: unix:///run/k3s/containerd/containerd.sock
            private-registry: regs.yaml
            """)]), host: root)
        #expect(fromFile.containerRuntimeEndpoint == "/run/k3s/containerd/containerd.sock")
        #expect(fromFile.privateRegistry == "/srv/regs.yaml")
        let bare = try ServerConfig.resolve(ServerConfigInputs(flags: [.containerRuntimeEndpoint: .scalar("/run/c.sock")]), host: root)
        #expect(bare.containerRuntimeEndpoint == "/run/c.sock")
        #expect(throws: ServerConfigError.self) {
            try ServerConfig.resolve(ServerConfigInputs(flags: [.containerRuntimeEndpoint: .scalar("unix://")]), host: root)
        }
    }

    @Test func kubeletArgsKeepCommasAndNameBadKeys() throws {
        #expect(try ServerConfig.resolve(ServerConfigInputs(), host: root).kubeletArgs.isEmpty)
        let flags = try ServerConfig.resolve(ServerConfigInputs(flags: [.kubeletArg: .list([
            "eviction-hard=memory.available<100Mi,nodefs.available<10%", "--eviction-pressure-transition-period=1m30s",
        ])]), host: root)
        #expect(flags.kubeletArgs == ["eviction-hard": "memory.available<100Mi,nodefs.available<10%",
                                      "eviction-pressure-transition-period": "1m30s"])
        let fromFile = try ServerConfig.resolve(ServerConfigInputs(files: [try file("/etc/swiftlet/config.yaml", """
            kubelet-arg:
              - "eviction-hard=imagefs.available<20%"
            """)]), host: root)
        #expect(fromFile.kubeletArgs == ["eviction-hard": "imagefs.available<20%"])
        let logs = try ServerConfig.resolve(ServerConfigInputs(flags: [.kubeletArg: .list([
            "container-log-max-size=64Ki", "container-log-max-files=3",
        ])]), host: root)
        #expect(logs.kubeletArgs == ["container-log-max-size": "64Ki", "container-log-max-files": "3"])
        for bad in ["max-pods=10", "eviction-hard", "=x", "eviction-pressure-transition-period=soon",
                    "container-log-max-size=big", "container-log-max-size=0", "container-log-max-files=1",
                    "container-log-max-files=many"] {
            #expect {
                try ServerConfig.resolve(ServerConfigInputs(flags: [.kubeletArg: .list([bad])]), host: root)
            } throws: { error in
                (error as? ServerConfigError)?.key == "kubelet-arg"
            }
        }
        #expect(SettingParsers.byteSize("10Mi") == Int64(10_485_760))
        #expect(SettingParsers.byteSize("1G") == 1_000_000_000)
        #expect(SettingParsers.byteSize("4096") == 4096)
        #expect(SettingParsers.byteSize("-1Ki") == nil && SettingParsers.byteSize("Mi") == nil
                && SettingParsers.byteSize("99999999999Ti") == nil)
        #expect(SettingParsers.goDurationSeconds("1h2m3s") == 3723)
        #expect(SettingParsers.goDurationSeconds("0s") == 0)
        #expect(SettingParsers.goDurationSeconds("90") == nil)
        #expect(SettingParsers.goDurationSeconds("5x") == nil)
    }

    @Test func defaultsForOtherUsersLiveUnderTheDataDir() throws {
        let config = try ServerConfig.resolve(ServerConfigInputs(), host: user)
        #expect(config.dataDir == "/home/ada/.swiftlet")
        #expect(config.runDir == "/home/ada/.swiftlet/run")
        #expect(config.writeKubeconfig == "/home/ada/.swiftlet/swiftlet.yaml")
        // A non-root data dir given explicitly moves the run dir and kubeconfig with it.
        let moved = try ServerConfig.resolve(ServerConfigInputs(flags: [.dataDir: .scalar("state")]), host: user)
        #expect(moved.dataDir == "/home/ada/work/state")
        #expect(moved.runDir == "/home/ada/work/state/run")
        #expect(moved.writeKubeconfig == "/home/ada/work/state/swiftlet.yaml")
    }

    @Test(arguments: [
        (UInt32(0), "/root", "/var/lib/swiftlet", "/run/swiftlet", "/etc/swiftlet/swiftlet.yaml"),
        (UInt32(1000), "/home/ada", "/home/ada/.swiftlet", "/home/ada/.swiftlet/run", "/home/ada/.swiftlet/swiftlet.yaml"),
        (UInt32(1), "/", "//.swiftlet", "//.swiftlet/run", "//.swiftlet/swiftlet.yaml"),
    ])
    func defaultPathsArePureFunctionsOfUidAndHome(uid: UInt32, home: String, data: String, run: String, kubeconfig: String) {
        let dataDir = ServerDefaults.dataDir(uid: uid, home: home)
        #expect(dataDir == data)
        #expect(ServerDefaults.runDir(uid: uid, dataDir: dataDir) == run)
        #expect(ServerDefaults.writeKubeconfig(uid: uid, dataDir: dataDir) == kubeconfig)
    }

    @Test func flagsBeatEnvironmentBeatFilesBeatDefaults() throws {
        let files = [
            try file("/etc/swiftlet/config.yaml", """
                https-listen-port: 7000
                node-name: from-file
                cluster-domain: file.example
                bind-address: 10.0.0.1
                """),
        ]
        let environment = [
            "SWIFTLET_HTTPS_LISTEN_PORT": "7001",
            "SWIFTLET_NODE_NAME": "from-env",
            "SWIFTLET_UNRELATED": "x",
        ]
        let flags: [ServerSetting: RawSetting] = [.httpsListenPort: .scalar("7002")]
        let config = try ServerConfig.resolve(
            ServerConfigInputs(flags: flags, environment: environment, files: files), host: root)
        #expect(config.httpsListenPort == 7002)
        #expect(config.nodeName == "from-env")
        #expect(config.clusterDomain == "file.example")
        #expect(config.bindAddress == "10.0.0.1")
        #expect(config.serviceCIDR == ServerDefaults.serviceCIDR)
    }

    @Test func laterDropInFilesOverrideEarlierOnes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-cfg-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/config.yaml.d", withIntermediateDirectories: true)
        try "node-name: main\ncluster-domain: main.example\nhttps-listen-port: 1\n"
            .write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        try "node-name: twenty\nhttps-listen-port: 2\n"
            .write(toFile: directory + "/config.yaml.d/20-b.yaml", atomically: true, encoding: .utf8)
        try "node-name: ten\n".write(toFile: directory + "/config.yaml.d/10-a.yaml", atomically: true, encoding: .utf8)
        try "node-name: ignored\n".write(toFile: directory + "/config.yaml.d/30-c.txt", atomically: true, encoding: .utf8)

        let paths = try ConfigFiles.paths(main: directory + "/config.yaml", explicit: true)
        #expect(paths == [directory + "/config.yaml", directory + "/config.yaml.d/10-a.yaml",
                          directory + "/config.yaml.d/20-b.yaml"])
        let files = try ConfigFiles.load(main: directory + "/config.yaml", explicit: true)
        let config = try ServerConfig.resolve(ServerConfigInputs(files: files), host: root)
        #expect(config.nodeName == "twenty")
        #expect(config.httpsListenPort == 2)
        #expect(config.clusterDomain == "main.example")
    }

    @Test func missingConfigFileIsAnErrorOnlyWhenNamed() throws {
        let missing = "/nonexistent-\(UUID())/config.yaml"
        #expect(try ConfigFiles.paths(main: missing, explicit: false).isEmpty)
        #expect(throws: ServerConfigError.self) { try ConfigFiles.paths(main: missing, explicit: true) }
    }

    @Test func yamlScalarsAreReadLiterally() throws {
        let parsed = try file("c.yaml", """
            write-kubeconfig-mode: 0644
            tls-san:
              - Example.COM
              - 192.0.2.7
            disable-agent: true
            advertise-address:
            """)
        let config = try ServerConfig.resolve(ServerConfigInputs(files: [parsed]), host: root)
        #expect(config.writeKubeconfigMode == 0o644)
        #expect(config.tlsSANs == ["example.com", "192.0.2.7"])
        #expect(config.disableAgent)
        #expect(config.advertiseAddress == nil)
    }

    @Test func tlsSANAcceptsAStringOrAListFromEverySource() throws {
        let fromFile = try ServerConfig.resolve(
            ServerConfigInputs(files: [try file("c.yaml", "tls-san: a.example,b.example")]), host: root)
        #expect(fromFile.tlsSANs == ["a.example", "b.example"])
        let fromEnv = try ServerConfig.resolve(
            ServerConfigInputs(environment: ["SWIFTLET_TLS_SAN": "10.1.1.1, *.apps.example"]), host: root)
        #expect(fromEnv.tlsSANs == ["10.1.1.1", "*.apps.example"])
        let fromFlags = try ServerConfig.resolve(
            ServerConfigInputs(flags: [.tlsSAN: .list(["x.example", "y.example"])]), host: root)
        #expect(fromFlags.tlsSANs == ["x.example", "y.example"])
    }

    @Test func emptyYAMLFileIsFine() throws {
        #expect(try file("empty.yaml", "").values.isEmpty)
        #expect(try file("comment.yaml", "# nothing here\n").values.isEmpty)
    }

    @Test func unknownKeyNamesTheKeyAndFile() throws {
        let error = try #require(throws: ServerConfigError.self) {
            try file("/etc/swiftlet/config.yaml", "data-dir: /x\nhttps-port: 1\n")
        }
        #expect(error.key == "https-port")
        #expect(error.source == .file("/etc/swiftlet/config.yaml"))
        #expect(error.description.contains("/etc/swiftlet/config.yaml"))
        #expect(error.description.contains("https-port"))
        #expect(!error.isFlagError)
    }

    @Test(arguments: [
        "- just\n- a list\n",
        "data-dir: [unclosed\n",
        "node-name:\n  nested: map\n",
        "bind-address: [1.1.1.1, 2.2.2.2]\n",
    ])
    func malformedYAMLIsAClearError(yaml: String) throws {
        let error = try #require(throws: ServerConfigError.self) { try file("bad.yaml", yaml) }
        #expect(error.source == .file("bad.yaml"))
    }

    @Test(arguments: [
        (ServerSetting.httpsListenPort, "65536"), (.httpsListenPort, "-1"), (.httpsListenPort, "http"),
        (.bindAddress, "300.1.1.1"), (.bindAddress, "localhost"), (.advertiseAddress, "10.0.0"),
        (.clusterCIDR, "10.42.0.0"), (.clusterCIDR, "10.42.0.0/33"), (.serviceCIDR, "fd00::/129"),
        (.serviceCIDR, "10.0.0.0/8,fd00::/108,10.1.0.0/16"),
        (.serviceNodePortRange, "32767-30000"), (.serviceNodePortRange, "30000"), (.serviceNodePortRange, "0-10"),
        (.writeKubeconfigMode, "0999"), (.writeKubeconfigMode, "rw-r--r--"), (.writeKubeconfigMode, "07777"),
        (.writeKubeconfigMode, ""), (.disableAgent, "maybe"), (.nodeName, "Upper-Case"), (.nodeName, "bad_name"),
        (.clusterDomain, "-bad.local"), (.logLevel, "loud"), (.dataDir, " "), (.tlsSAN, "not a name"),
    ])
    func badValuesNameKeyAndSource(setting: ServerSetting, value: String) throws {
        let sources: [(ServerConfigInputs, SettingSource)] = [
            (ServerConfigInputs(flags: [setting: .scalar(value)]), .flag),
            (ServerConfigInputs(environment: [setting.environmentName: value]), .environment(setting.environmentName)),
            (ServerConfigInputs(files: [ConfigFile(path: "/c.yaml", values: [(setting, .scalar(value))])]), .file("/c.yaml")),
        ]
        for (inputs, source) in sources {
            let error = try #require(throws: ServerConfigError.self) { try ServerConfig.resolve(inputs, host: root) }
            #expect(error.key == setting.key)
            #expect(error.source == source)
            #expect(error.isFlagError == (source == .flag))
        }
    }

    @Test(arguments: [("0600", UInt32(0o600)), ("644", 0o644), ("0o640", 0o640), ("0", 0), ("0777", 0o777)])
    func fileModesAreOctal(text: String, mode: UInt32) throws {
        #expect(try SettingParsers.fileMode(text) == mode)
    }

    @Test func validValuesParse() throws {
        let flags: [ServerSetting: RawSetting] = [
            .httpsListenPort: .scalar("0"), .bindAddress: .scalar("::"), .serviceCIDR: .scalar("10.43.0.0/16, fd00:43::/112"),
            .serviceNodePortRange: .scalar("30000-30100"), .logLevel: .scalar("debug"), .runDir: .scalar("/tmp/r/"),
        ]
        let config = try ServerConfig.resolve(ServerConfigInputs(flags: flags), host: root)
        #expect(config.httpsListenPort == 0)
        #expect(config.bindAddress == "::")
        #expect(config.serviceCIDR == "10.43.0.0/16,fd00:43::/112")
        #expect(config.serviceNodePortRange == "30000-30100")
        #expect(config.logLevel == .debug)
        #expect(config.runDir == "/tmp/r")
    }

    @Test func hostNameThatIsNotANodeNameAsksForNodeName() throws {
        let odd = HostFacts(uid: 0, home: "/root", hostname: "my_host", workingDirectory: "/")
        let error = try #require(throws: ServerConfigError.self) { try ServerConfig.resolve(ServerConfigInputs(), host: odd) }
        #expect(error.key == "node-name")
        #expect(error.description.contains("--node-name"))
        let named = try ServerConfig.resolve(ServerConfigInputs(flags: [.nodeName: .scalar("node-1")]), host: odd)
        #expect(named.nodeName == "node-1")
    }

    @Test func environmentNamesFollowK3s() {
        #expect(ServerSetting.dataDir.environmentName == "SWIFTLET_DATA_DIR")
        #expect(ServerSetting.writeKubeconfigMode.environmentName == "SWIFTLET_WRITE_KUBECONFIG_MODE")
        #expect(ServerSetting.tlsSAN.environmentName == "SWIFTLET_TLS_SAN")
    }
}
