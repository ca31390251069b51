import ArgumentParser
import SupervisorControl
import SwiftletCLI
import Supervision
import SwiftletCore

/// `swiftlet kubectl ...`: kubectl with the admin kubeconfig, like `k3s kubectl`.
///
/// Every argument goes to kubectl verbatim, except Swiftlet's own `--config`, `--data-dir`,
/// `--run-dir` and `--write-kubeconfig` when they come first (kubectl has no such flags).
struct KubectlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubectl",
        abstract: "Run kubectl with the admin kubeconfig (KUBECONFIG wins when set).",
        discussion: "Example: swiftlet kubectl get pods -A")

    @Argument(parsing: .captureForPassthrough, help: "kubectl's arguments.")
    var arguments: [String] = []

    func run() throws {
        let split: (options: [String: String], rest: [String])
        do {
            split = try KubectlLauncher.splitLeadingOptions(arguments)
        } catch {
            throw ValidationError(error.message)
        }
        var environment = currentEnvironment()
        if (environment["KUBECONFIG"] ?? "").isEmpty {
            var flags: [ServerSetting: RawSetting] = [:]
            for (key, value) in split.options where key != "config" {
                if let setting = ServerSetting(rawValue: key) { flags[setting] = .scalar(value) }
            }
            let config = try ControlOptions.resolve(configFile: split.options["config"], flags: flags)
            environment = KubectlLauncher.environment(environment, adminKubeconfig: config.writeKubeconfig)
        }
        guard let kubectl = KubectlLauncher.locate(pathVariable: environment["PATH"]) else {
            printError("kubectl not found on PATH or at \(KubectlLauncher.fallbackPath); install kubectl")
            throw ExitCode.failure
        }
        execute(kubectl, arguments: ["kubectl"] + split.rest, environment: environment)
    }
}
