import ArgumentParser
import SupervisorControl
import SwiftletCLI
import Supervision

/// `swiftlet restart|stop|start <component>`: one action through the control socket.
protocol ComponentActionCommand: ParsableCommand {
    var options: ControlOptions { get }
    var component: String { get }
    static func request(_ component: String) -> ControlRequest
}

extension ComponentActionCommand {
    func run() throws {
        let config = try options.resolve()
        let request = Self.request(component)
        let response = try ControlOptions.send(request, runDir: config.runDir)
        guard response.ok else {
            printError(response.error ?? "the supervisor refused the request")
            throw ExitCode.failure
        }
        printLine(StatusFormatting.actionSummary(request, response: response))
    }
}

struct RestartCommand: ComponentActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Restart one supervised component (a new process).")
    @OptionGroup var options: ControlOptions
    @Argument(help: "The component, e.g. apiserver (see swiftlet status).") var component: String
    static func request(_ component: String) -> ControlRequest { .restart(component) }
}

struct StopCommand: ComponentActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop one supervised component until `swiftlet start`.")
    @OptionGroup var options: ControlOptions
    @Argument(help: "The component, e.g. apiserver (see swiftlet status).") var component: String
    static func request(_ component: String) -> ControlRequest { .stop(component) }
}

struct StartCommand: ComponentActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start a component stopped with `swiftlet stop`.")
    @OptionGroup var options: ControlOptions
    @Argument(help: "The component, e.g. apiserver (see swiftlet status).") var component: String
    static func request(_ component: String) -> ControlRequest { .start(component) }
}
