import ContainerdSupport
import FoundationEssentials
import Logging
import Supervision
import SwiftletCore

/// Where the node's containerd keeps its files, under `<data-dir>/agent` and `<run-dir>`.
struct ContainerdLayout {
    /// `<data-dir>/agent`.
    let agentDirectory: String
    let runDir: String

    /// `<data-dir>/agent/etc/containerd/config.toml`.
    var configFile: String { agentDirectory + "/etc/containerd/config.toml" }
    /// `<data-dir>/agent/etc/containerd/certs.d`: hosts.toml per registry.
    var certsDirectory: String { agentDirectory + "/etc/containerd/certs.d" }
    /// `<data-dir>/agent/containerd`: root and opt.
    var dataDirectory: String { agentDirectory + "/containerd" }
    /// `<run-dir>/containerd`: state, runc root and the socket.
    var runDirectory: String { runDir + "/containerd" }
    /// `<data-dir>/agent/images`: image tarballs imported at start (K3s's air-gap directory).
    var imagesDirectory: String { agentDirectory + "/images" }
    var cniConfDirectory: String { agentDirectory + "/etc/cni/net.d" }

    func containerdConfig() -> ContainerdConfig {
        ContainerdConfig(dataDirectory: dataDirectory, runDirectory: runDirectory, sandboxImage: PauseImage.reference,
                         cniConfDirectory: cniConfDirectory, registryConfigPath: certsDirectory)
    }
}

extension ServerRun {
    static let containerd = "containerd"
    /// Debian's containerd lives in /usr/bin; the others cover a hand-installed one.
    static let containerdDirectories = ["/usr/bin", "/usr/local/bin", "/usr/sbin"]

    /// True when this server runs its own containerd: the agent is enabled, the node is real (not
    /// simulated), no runtime endpoint was given and containerd is not disabled.
    var runsContainerd: Bool {
        !config.disableAgent && config.simulatedNodes == 0 && config.containerRuntimeEndpoint == nil
            && !config.disabledComponents.contains(Self.containerd)
    }

    /// Writes containerd's config.toml, the registries' hosts.toml files and the pause image
    /// archive, and returns the component and its executable.
    ///
    /// Stopping: SIGTERM goes to containerd's process group only. The runc shims it starts put
    /// themselves in process groups of their own (setpgid) and are re-parented away from it, so
    /// pods outlive a supervisor restart as the architecture requires; `swiftlet killall` is the
    /// full teardown.
    func containerdSpec() throws -> (spec: ComponentSpec, executable: String) {
        try ContainerdLayout(agentDirectory: config.agentDirectory, runDir: config.runDir)
            .prepare(privateRegistry: config.privateRegistry, logger: logger)
    }
}

extension ContainerdLayout {
    /// Writes containerd's files (see `ServerRun.containerdSpec`) and returns its component.
    func prepare(privateRegistry: String, logger: Logger) throws -> (spec: ComponentSpec, executable: String) {
        let layout = self
        let executable = try ExecutableLocator.locate(ServerRun.containerd, selfExecutable: nil,
                                                      fallbackDirectories: ServerRun.containerdDirectories)
        let containerdConfig = layout.containerdConfig()
        try containerdConfig.write(to: layout.configFile)
        for directory in [layout.imagesDirectory, layout.cniConfDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        }

        let registries: RegistriesConfig
        if FileManager.default.fileExists(atPath: privateRegistry) {
            registries = try RegistriesConfig.load(path: privateRegistry)
        } else {
            registries = RegistriesConfig()
        }
        for warning in try registries.writeHosts(to: layout.certsDirectory) { logger.warning("\(warning)") }

        try writePauseImage(into: layout.imagesDirectory, logger: logger)
        let spec = ComponentSpec(
            name: ServerRun.containerd, executableName: ServerRun.containerd,
            arguments: ["--config", layout.configFile], configFile: layout.configFile,
            port: .unixSocket(containerdConfig.socketPath), stopTimeout: .seconds(10), readyTimeout: .seconds(60),
            critical: true)
        return (spec, executable)
    }

    /// Builds the pause image archive from the `swiftlet-pause` binary next to `swiftlet` and writes
    /// it when it is missing or differs (a new Swiftlet version brings a new binary and tag).
    private func writePauseImage(into directory: String, logger: Logger) throws {
        let binary = try ExecutableLocator.locate("swiftlet-pause", selfExecutable: ExecutableLocator.currentExecutable())
        guard let bytes = FileManager.default.contents(atPath: binary) else {
            throw SupervisionError("cannot read \(binary)")
        }
        let archive = try PauseImage.build(pauseBinary: [UInt8](bytes))
        let path = directory + "/" + PauseImage.archiveName
        if let existing = FileManager.default.contents(atPath: path), [UInt8](existing) == archive { return }
        try Data(archive).write(to: URL(fileURLWithPath: path), options: .atomic)
        logger.info("wrote the pause image \(PauseImage.reference) to \(path)")
    }
}
