import ArgumentParser
import SupervisorControl
import SwiftletCLI
import Supervision
import SwiftletCore

/// `swiftlet check-config`: what this host has and lacks for running Swiftlet.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the kernel, cgroups, binaries, port and directories Swiftlet needs.",
        discussion: "Exits 1 when a required item is missing; optional items only warn.")

    @OptionGroup var options: ControlOptions

    @Option(name: .customLong("https-listen-port"), help: "The apiserver port to test (default 6443).")
    var httpsListenPort: String?

    func run() throws {
        var extra: [ServerSetting: RawSetting] = [:]
        if let httpsListenPort { extra[.httpsListenPort] = .scalar(httpsListenPort) }
        let config = try options.resolve(extra: extra)
        let binaryDirectory = ExecutableLocator.currentExecutable().map(POSIXFile.directory(of:))
        let context = CheckContext(
            dataDir: config.dataDir, runDir: config.runDir, httpsListenPort: config.httpsListenPort,
            binaryDirectory: binaryDirectory, pathVariable: currentEnvironment()["PATH"] ?? "")
        let results = ConfigCheck.run(context, probe: .system)
        printLine(ConfigCheck.render(results))
        if results.contains(where: \.isFatal) { throw ExitCode.failure }
    }
}
