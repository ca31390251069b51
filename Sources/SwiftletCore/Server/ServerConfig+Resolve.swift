/// The raw inputs of `ServerConfig.resolve`, lowest precedence last in this list:
/// command-line flags, `SWIFTLET_*` environment variables, configuration files (in order, later ones
/// override earlier ones), then built-in defaults.
public struct ServerConfigInputs: Sendable {
    /// Settings given as flags.
    public var flags: [ServerSetting: RawSetting]
    /// The process environment; only `SWIFTLET_*` names of known settings are read.
    public var environment: [String: String]
    /// Parsed configuration files in application order.
    public var files: [ConfigFile]

    public init(flags: [ServerSetting: RawSetting] = [:], environment: [String: String] = [:], files: [ConfigFile] = []) {
        self.flags = flags
        self.environment = environment
        self.files = files
    }
}

extension ServerConfig {
    /// Merges the inputs (flags > environment > files > defaults) and validates every value.
    ///
    /// Throws `ServerConfigError` naming the key and the source of the first bad value.
    public static func resolve(_ inputs: ServerConfigInputs, host: HostFacts) throws -> ServerConfig {
        var merged: [ServerSetting: (value: RawSetting, source: SettingSource)] = [:]
        for file in inputs.files {
            for (setting, value) in file.values { merged[setting] = (value, .file(file.path)) }
        }
        for setting in ServerSetting.allCases {
            if let text = inputs.environment[setting.environmentName] {
                merged[setting] = (.scalar(text), .environment(setting.environmentName))
            }
        }
        for (setting, value) in inputs.flags { merged[setting] = (value, .flag) }
        let values = MergedSettings(values: merged)

        let cwd = host.workingDirectory
        let dataDir = try values.scalar(.dataDir) { try SettingParsers.path($0, workingDirectory: cwd) }
            ?? ServerDefaults.dataDir(uid: host.uid, home: host.home)
        let runDir = try values.scalar(.runDir) { try SettingParsers.path($0, workingDirectory: cwd) }
            ?? ServerDefaults.runDir(uid: host.uid, dataDir: dataDir)
        let kubeconfig = try values.scalar(.writeKubeconfig) { try SettingParsers.path($0, workingDirectory: cwd) }
            ?? ServerDefaults.writeKubeconfig(uid: host.uid, dataDir: dataDir)
        let tlsSANs = try values.list(.tlsSAN) { (items: [String]) -> [String] in
            try items.map { (item: String) -> String in
                if let ip = try? SettingParsers.ipAddress(item) { return ip }
                let name = item.lowercased()
                // A wildcard SAN covers one label, as in `*.example.com`.
                let checked = name.hasPrefix("*.") ? String(name.dropFirst(2)) : name
                _ = try SettingParsers.dnsSubdomain(checked)
                return name
            }
        } ?? []
        let nodeName = try values.scalar(.nodeName, SettingParsers.dnsSubdomain)
            ?? ServerDefaults.nodeName(hostname: host.hostname)
        // A host name that is not a valid node name is a configuration problem too, not a crash later.
        do {
            _ = try SettingParsers.dnsSubdomain(nodeName)
        } catch let failure as SettingParsers.Failure {
            throw ServerConfigError(source: nil, key: ServerSetting.nodeName.key,
                                    message: "the host name gives \(failure.message); set --node-name")
        }

        var disabled = Set(try values.list(.disable) { (items: [String]) -> [String] in
            try items.map { try SettingParsers.dnsSubdomain($0.lowercased()) }
        } ?? [])
        let k3sFlags: [(ServerSetting, String?)] = [
            (.disableScheduler, "scheduler"), (.disableControllerManager, "controllers"),
            (.disableKubeProxy, "proxy"), (.disableCloudController, nil),
        ]
        for (setting, component) in k3sFlags where try values.scalar(setting, SettingParsers.bool) ?? false {
            if let component { disabled.insert(component) }
        }

        var config = ServerConfig(
            dataDir: dataDir,
            runDir: runDir,
            httpsListenPort: try values.scalar(.httpsListenPort, SettingParsers.port) ?? ServerDefaults.httpsListenPort,
            bindAddress: try values.scalar(.bindAddress, SettingParsers.ipAddress) ?? ServerDefaults.bindAddress,
            advertiseAddress: try values.scalar(.advertiseAddress, SettingParsers.ipAddress),
            writeKubeconfig: kubeconfig,
            writeKubeconfigMode: try values.scalar(.writeKubeconfigMode, SettingParsers.fileMode)
                ?? ServerDefaults.writeKubeconfigMode,
            tlsSANs: tlsSANs,
            nodeName: nodeName,
            clusterCIDR: try values.scalar(.clusterCIDR, SettingParsers.cidrList) ?? ServerDefaults.clusterCIDR,
            serviceCIDR: try values.scalar(.serviceCIDR, SettingParsers.cidrList) ?? ServerDefaults.serviceCIDR,
            serviceNodePortRange: try values.scalar(.serviceNodePortRange, SettingParsers.portRange)
                ?? ServerDefaults.serviceNodePortRange,
            disableAgent: try values.scalar(.disableAgent, SettingParsers.bool) ?? false,
            clusterDomain: try values.scalar(.clusterDomain, SettingParsers.dnsSubdomain) ?? ServerDefaults.clusterDomain,
            logLevel: try values.scalar(.logLevel, SettingParsers.logLevel) ?? ServerDefaults.logLevel
        )
        config.disabledComponents = disabled.sorted()
        config.clusterDNSOverride = try values.scalar(.clusterDNS, SettingParsers.ipAddress)
        if let path = try values.scalar(.resolvConf, { try SettingParsers.path($0, workingDirectory: cwd) }) {
            config.resolvConf = path
        }
        config.simulatedNodes = try values.scalar(.simulatedNodes, SettingParsers.simulatedNodeCount) ?? 0
        config.containerRuntimeEndpoint = try values.scalar(.containerRuntimeEndpoint) { text in
            // K3s accepts `unix:///run/...` and a bare path.
            let path = text.hasPrefix("unix://") ? String(text.dropFirst("unix://".count)) : text
            return try SettingParsers.path(path, workingDirectory: cwd)
        }
        config.privateRegistry = try values.scalar(.privateRegistry) { try SettingParsers.path($0, workingDirectory: cwd) }
            ?? ServerDefaults.privateRegistry
        config.kubeletArgs = try values.list(.kubeletArg, splitCommas: false, SettingParsers.kubeletArgs) ?? [:]
        return config
    }
}

/// The winning raw value of each setting with its source, and typed access that adds the key and
/// source to parser failures.
private struct MergedSettings {
    let values: [ServerSetting: (value: RawSetting, source: SettingSource)]

    func scalar<T>(_ setting: ServerSetting, _ parse: (String) throws -> T) throws -> T? {
        guard let entry = values[setting] else { return nil }
        let (value, source) = entry
        switch value {
        case .scalar(let text):
            return try withContext(setting, source) { try parse(text) }
        case .list(let items) where items.count == 1:
            return try withContext(setting, source) { try parse(items[0]) }
        case .list:
            throw ServerConfigError(source: source, key: setting.key, message: "expected a single value, not a list")
        }
    }

    func list<T>(_ setting: ServerSetting, splitCommas: Bool = true, _ parse: ([String]) throws -> T) throws -> T? {
        guard let entry = values[setting] else { return nil }
        let (value, source) = entry
        let items: [String]
        switch value {
        case .scalar(let text): items = [text]
        case .list(let list): items = list
        }
        return try withContext(setting, source) {
            try parse(splitCommas ? SettingParsers.list(items) : items.map(\.trimmed).filter { !$0.isEmpty })
        }
    }

    private func withContext<T>(_ setting: ServerSetting, _ source: SettingSource, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as SettingParsers.Failure {
            throw ServerConfigError(source: source, key: setting.key, message: failure.message)
        }
    }
}
