import ArgumentParser
import SwiftletCore

/// `swiftlet`: the supervisor and command-line interface of Swiftlet.
public struct SwiftletCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "A lightweight Kubernetes distribution: one command gives a working cluster.",
        version: SwiftletVersion.current,
        subcommands: [ServerCommand.self, AgentCommand.self, StatusCommand.self, RestartCommand.self, StopCommand.self,
                      StartCommand.self, LogsCommand.self, KubectlCommand.self, CheckConfigCommand.self, KillallCommand.self]
    )
}
