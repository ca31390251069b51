import APIServer
import ArgumentParser
import SwiftletCore

@main
struct Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet-apiserver",
        abstract: "Kubernetes API server of Swiftlet: serves the Kubernetes API over HTTPS from a SQLite datastore.",
        discussion: "Normally started by `swiftlet server`, which writes its configuration file.",
        version: SwiftletVersion.current
    )

    @Option(name: .long, help: "Path of the typed configuration file (JSON) written by the supervisor.")
    var config: String

    func run() async throws {
        let loaded: APIServerConfig
        do {
            loaded = try APIServerConfig.load(path: config)
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
        try await APIServerMain.run(config: loaded)
    }
}
