import SwiftletJSON

/// Everything the long-running `swiftlet-supervisor` process needs, prepared by `swiftlet server`
/// (configuration files, TLS material, kubeconfigs) and handed over as one JSON file.
///
/// The split keeps the process that stays resident small: parsing YAML configuration and issuing
/// certificates need Foundation, Yams and swift-certificates; supervising needs none of them.
public struct SupervisorPlan: Sendable, Equatable {
    /// Where PID files, port files and the control socket live.
    public var runDirectory: String
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`.
    public var logLevel: String
    /// The role profile, in start order.
    public var components: [ComponentSpec]
    /// Absolute path of each component's executable, by component name.
    public var executables: [String: String]
    /// PEM files the health probes authenticate with.
    public var probeCAFile: String
    public var probeCertificateFile: String
    public var probeKeyFile: String
    /// Printed on stdout once every critical component is ready; `@PORT@` becomes the port of
    /// `portComponent` (learned from its port file when it was started on port 0).
    public var readyLine: String
    public var portComponent: String?
    /// Files rewritten whenever `portComponent` reports a port: the content's `@PORT@` is replaced.
    public var portFiles: [PortTemplate]
    /// Run (with the supervisor's environment) on SIGHUP to re-read configuration and rewrite this
    /// plan; empty when reloading is not supported.
    public var reloadCommand: [String]

    public struct PortTemplate: Sendable, Equatable {
        public var path: String
        public var mode: UInt32
        public var content: String

        public init(path: String, mode: UInt32, content: String) {
            self.path = path
            self.mode = mode
            self.content = content
        }
    }

    public static let portPlaceholder = "@PORT@"

    public init(runDirectory: String, logLevel: String = "info", components: [ComponentSpec],
                executables: [String: String], probeCAFile: String, probeCertificateFile: String,
                probeKeyFile: String, readyLine: String, portComponent: String? = nil,
                portFiles: [PortTemplate] = [], reloadCommand: [String] = []) {
        self.runDirectory = runDirectory
        self.logLevel = logLevel
        self.components = components
        self.executables = executables
        self.probeCAFile = probeCAFile
        self.probeCertificateFile = probeCertificateFile
        self.probeKeyFile = probeKeyFile
        self.readyLine = readyLine
        self.portComponent = portComponent
        self.portFiles = portFiles
        self.reloadCommand = reloadCommand
    }

    /// `<run-dir>/supervisor-plan.json`.
    public static func path(runDirectory: String) -> String {
        (runDirectory.hasSuffix("/") ? runDirectory : runDirectory + "/") + "supervisor-plan.json"
    }

    /// Writes the plan (0600: it names credential files) atomically.
    public func write(to path: String) throws(SupervisionError) {
        try POSIXFile.write(json.serialized(), to: path, mode: 0o600)
    }

    /// Reads and validates a plan file; errors name the file and the problem.
    public static func read(from path: String) throws(SupervisionError) -> SupervisorPlan {
        guard let bytes = POSIXFile.read(path) else {
            throw SupervisionError("cannot read the supervisor plan \(path)")
        }
        do {
            return try SupervisorPlan(json: try JSON(parsing: bytes))
        } catch let error as SupervisionError {
            throw SupervisionError("\(path): \(error.description)")
        } catch {
            throw SupervisionError("\(path): \(error)")
        }
    }
}

// MARK: - JSON form

extension SupervisorPlan {
    public var json: JSON {
        .object([
            "runDirectory": .string(runDirectory),
            "logLevel": .string(logLevel),
            "components": .array(components.map(\.json)),
            "executables": .object(JSONObject(uniqueKeysWithValues: executables.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            "probe": ["caFile": .string(probeCAFile), "certFile": .string(probeCertificateFile), "keyFile": .string(probeKeyFile)],
            "readyLine": .string(readyLine),
            "portComponent": portComponent.map(JSON.string) ?? .null,
            "portFiles": .array(portFiles.map { ["path": .string($0.path), "mode": .int(Int64($0.mode)), "content": .string($0.content)] }),
            "reloadCommand": .array(reloadCommand.map(JSON.string)),
        ])
    }

    public init(json: JSON) throws(SupervisionError) {
        let reader = PlanReader(json: json, at: "plan")
        var executables: [String: String] = [:]
        for (name, value) in try reader.object("executables") {
            guard let path = value.stringValue else { throw SupervisionError("executables.\(name) must be a string") }
            executables[name] = path
        }
        let probe = PlanReader(json: json["probe"], at: "probe")
        var components: [ComponentSpec] = []
        for (index, entry) in try reader.array("components").enumerated() {
            components.append(try ComponentSpec(json: entry, at: "components[\(index)]"))
        }
        var portFiles: [PortTemplate] = []
        for (index, entry) in try reader.array("portFiles").enumerated() {
            let file = PlanReader(json: entry, at: "portFiles[\(index)]")
            portFiles.append(PortTemplate(path: try file.string("path"), mode: UInt32(try file.int("mode")),
                                          content: try file.string("content")))
        }
        self.init(
            runDirectory: try reader.string("runDirectory"), logLevel: try reader.optionalString("logLevel") ?? "info",
            components: components, executables: executables,
            probeCAFile: try probe.string("caFile"), probeCertificateFile: try probe.string("certFile"),
            probeKeyFile: try probe.string("keyFile"), readyLine: try reader.string("readyLine"),
            portComponent: try reader.optionalString("portComponent"), portFiles: portFiles,
            reloadCommand: try reader.array("reloadCommand").map { value throws(SupervisionError) in
                guard let text = value.stringValue else { throw SupervisionError("reloadCommand must hold strings") }
                return text
            })
        for component in components where executables[component.name] == nil {
            throw SupervisionError("no executable for component \(component.name)")
        }
    }
}

extension ComponentSpec {
    var json: JSON {
        let port: JSON = switch self.port {
        case .fixed(let number): ["fixed": .int(Int64(number))]
        case .portFile(let path): ["portFile": .string(path)]
        case .unixSocket(let path): ["unixSocket": .string(path)]
        }
        return .object([
            "name": .string(name),
            "executableName": .string(executableName),
            "arguments": .array(arguments.map(JSON.string)),
            "configFile": configFile.map(JSON.string) ?? .null,
            "readinessPath": .string(readinessPath),
            "healthPath": .string(healthPath),
            "port": port,
            "portArgument": portArgument.map(JSON.string) ?? .null,
            "dependencies": .array(dependencies.map(JSON.string)),
            "stopTimeoutMilliseconds": .int(stopTimeout.milliseconds),
            "readyTimeoutMilliseconds": .int(readyTimeout.milliseconds),
            "critical": .bool(critical),
            "environment": .object(JSONObject(uniqueKeysWithValues: environment.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
    }

    init(json: JSON, at location: String) throws(SupervisionError) {
        let reader = PlanReader(json: json, at: location)
        let portReader = PlanReader(json: json["port"], at: location + ".port")
        let port: PortSource
        if let path = try portReader.optionalString("portFile") {
            port = .portFile(path)
        } else if let path = try portReader.optionalString("unixSocket") {
            port = .unixSocket(path)
        } else {
            let number = try portReader.int("fixed")
            guard (1...65535).contains(number) else { throw SupervisionError("\(location).port.fixed \(number) is not a port") }
            port = .fixed(Int(number))
        }
        var environment: [String: String] = [:]
        for (name, value) in try reader.object("environment") {
            guard let text = value.stringValue else { throw SupervisionError("\(location).environment.\(name) must be a string") }
            environment[name] = text
        }
        self.init(
            name: try reader.string("name"), executableName: try reader.string("executableName"),
            arguments: try reader.strings("arguments"), configFile: try reader.optionalString("configFile"),
            readinessPath: try reader.string("readinessPath"), healthPath: try reader.string("healthPath"),
            port: port, portArgument: try reader.optionalString("portArgument"),
            dependencies: try reader.strings("dependencies"),
            stopTimeout: .milliseconds(try reader.int("stopTimeoutMilliseconds")),
            readyTimeout: .milliseconds(try reader.int("readyTimeoutMilliseconds")),
            critical: json["critical"].boolValue ?? true, environment: environment)
    }
}

/// Typed field access with errors that name the field.
private struct PlanReader {
    let json: JSON
    let location: String

    init(json: JSON, at location: String) {
        self.json = json
        self.location = location
    }

    func string(_ key: String) throws(SupervisionError) -> String {
        guard let value = json[key].stringValue else { throw missing(key, "a string") }
        return value
    }

    func optionalString(_ key: String) throws(SupervisionError) -> String? {
        switch json[key] {
        case .null: return nil
        case .string(let value): return value
        default: throw missing(key, "a string")
        }
    }

    func int(_ key: String) throws(SupervisionError) -> Int64 {
        guard let value = json[key].intValue else { throw missing(key, "a number") }
        return value
    }

    func array(_ key: String) throws(SupervisionError) -> [JSON] {
        if json[key].isNull { return [] }
        guard let value = json[key].arrayValue else { throw missing(key, "an array") }
        return value
    }

    func strings(_ key: String) throws(SupervisionError) -> [String] {
        try array(key).map { value throws(SupervisionError) in
            guard let text = value.stringValue else { throw missing(key, "an array of strings") }
            return text
        }
    }

    func object(_ key: String) throws(SupervisionError) -> JSONObject {
        if json[key].isNull { return [:] }
        guard let value = json[key].objectValue else { throw missing(key, "an object") }
        return value
    }

    private func missing(_ key: String, _ kind: String) -> SupervisionError {
        SupervisionError("\(location).\(key) must be \(kind)")
    }
}

// MARK: - Reload

extension SupervisorPlan {
    /// What a reload does about one difference between the running plan and a new one.
    public enum ReloadChange: Sendable, Equatable {
        /// The component's config file changed: restart it to apply.
        case restart(String)
        /// Components were added, removed or their command changed: only a full restart applies it.
        case needsFullRestart(String)
    }

    /// The changes from `old` to `new`, given each component's config file content before and
    /// after the reload command rewrote them.
    public static func reloadChanges(from old: SupervisorPlan, to new: SupervisorPlan,
                                     configBefore: [String: [UInt8]], configAfter: [String: [UInt8]]) -> [ReloadChange] {
        var result: [ReloadChange] = []
        let oldNames = old.components.map(\.name), newNames = new.components.map(\.name)
        if oldNames != newNames {
            result.append(.needsFullRestart("components changed from [\(oldNames.joined(separator: ", "))] to [\(newNames.joined(separator: ", "))]"))
        }
        for component in old.components {
            guard let updated = new.components.first(where: { $0.name == component.name }) else { continue }
            if updated != component {
                result.append(.needsFullRestart("the command or settings of \(component.name) changed"))
            } else if configBefore[component.name] != configAfter[component.name] {
                result.append(.restart(component.name))
            }
        }
        return result
    }
}
