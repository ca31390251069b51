import ArgumentParser
import SwiftletCore

/// Not built yet: this executable only answers `--help` and `--version` so the supervisor's
/// profile and the packaging can already name it.
@main
struct Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet-proxy",
        abstract: "Kubernetes service proxy: nftables rules for Services.",
        discussion: "This component is not implemented yet in this build of Swiftlet.",
        version: SwiftletVersion.current
    )

    func run() throws {
        throw ValidationError("swiftlet-proxy is not implemented yet in this build")
    }
}
