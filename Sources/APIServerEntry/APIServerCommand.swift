import APIServer
import ArgumentParser
import SwiftletCore

public struct APIServerCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "swiftlet-apiserver",
        abstract: "Kubernetes API server of Swiftlet: serves the Kubernetes API over HTTPS from a SQLite datastore.",
        discussion: "Normally started by `swiftlet server`, which writes its configuration file.",
        version: SwiftletVersion.current
    )

    @Option(name: .long, help: "Path of the typed configuration file (JSON) written by the supervisor.")
    var config: String

    @Option(name: .long, help: "HTTPS port, overriding the configuration file's (the supervisor pins a restarted apiserver to the port it had).")
    var securePort: Int?

    public func run() async throws {
        var loaded: APIServerConfig
        do {
            loaded = try APIServerConfig.load(path: config)
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
        if let securePort {
            guard (1...65535).contains(securePort) else { throw ValidationError("--secure-port \(securePort) is not a port (1-65535)") }
            loaded.securePort = securePort
        }
        try await APIServerMain.run(config: loaded)
    }
}
