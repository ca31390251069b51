import ArgumentParser
import SwiftletCore

/// Not built yet: this executable only answers `--help` and `--version` so the supervisor's
/// profile and the packaging can already name it.
@main
struct Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet-scheduler",
        abstract: "Kubernetes scheduler: assigns pods to nodes.",
        discussion: "This component is not implemented yet in this build of Swiftlet.",
        version: SwiftletVersion.current
    )

    func run() throws {
        throw ValidationError("swiftlet-scheduler is not implemented yet in this build")
    }
}
