import ArgumentParser
import FoundationEssentials
import SupervisorControl
import SwiftletCLI
import Supervision

/// `swiftlet status`: the supervised components as the running supervisor sees them.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the state of each supervised component.",
        discussion: "Asks the running supervisor over its control socket, <run-dir>/swiftlet.sock."
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @OptionGroup var options: ControlOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: table or json.")
    var output: OutputFormat = .table

    func run() throws {
        let config = try options.resolve()
        let response = try ControlOptions.send(.status, runDir: config.runDir)
        guard response.ok else {
            printError(response.error ?? "the supervisor refused the request")
            throw ExitCode.failure
        }
        let components = response.components ?? []
        switch output {
        case .table: printLine(StatusFormatting.table(components, now: Date()))
        case .json: printLine(try StatusFormatting.json(components))
        }
    }
}
