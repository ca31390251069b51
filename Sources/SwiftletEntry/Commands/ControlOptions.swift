#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import SupervisorControl
import SwiftletCLI
import Supervision
import SwiftletCore
import SwiftletSystem

/// The options every control verb shares with `swiftlet server`, so `--data-dir`, `--run-dir`,
/// `SWIFTLET_*` variables and `/etc/swiftlet/config.yaml` find the same socket and kubeconfig.
struct ControlOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Configuration file (env SWIFTLET_CONFIG_FILE; default /etc/swiftlet/config.yaml).")
    var configFile: String?

    @Option(name: .customLong("data-dir"), help: "State directory (default /var/lib/swiftlet, or ~/.swiftlet when not root).")
    var dataDir: String?

    @Option(name: .customLong("run-dir"), help: "Runtime directory holding swiftlet.sock (default /run/swiftlet, or <data-dir>/run when not root).")
    var runDir: String?

    /// Resolves the configuration as `swiftlet server` would; configuration errors exit 1.
    func resolve(extra: [ServerSetting: RawSetting] = [:]) throws -> ServerConfig {
        try ControlOptions.resolve(configFile: configFile, flags: flagSettings.merging(extra) { $1 })
    }

    var flagSettings: [ServerSetting: RawSetting] {
        var flags: [ServerSetting: RawSetting] = [:]
        if let dataDir { flags[.dataDir] = .scalar(dataDir) }
        if let runDir { flags[.runDir] = .scalar(runDir) }
        return flags
    }

    static func resolve(configFile: String?, flags: [ServerSetting: RawSetting]) throws -> ServerConfig {
        let environment = currentEnvironment()
        do {
            let explicitFile = configFile ?? environment["SWIFTLET_CONFIG_FILE"]
            let files = try ConfigFiles.load(main: explicitFile ?? ServerDefaults.configFile, explicit: explicitFile != nil)
            let inputs = ServerConfigInputs(flags: flags, environment: environment, files: files)
            return try ServerConfig.resolve(inputs, host: HostFacts.current(environment: environment))
        } catch let error as ServerConfigError {
            if error.isFlagError { throw ValidationError(error.description) }
            printError(error.description)
            throw ExitCode.failure
        }
    }

    /// Sends one request to the supervisor; connection problems are printed and exit 1.
    static func send(_ request: ControlRequest, runDir: String) throws -> ControlResponse {
        let path = ControlServer.socketPath(runDir: runDir)
        do {
            let client = try ControlClient.connect(path: path)
            defer { client.close() }
            return try client.send(request)
        } catch {
            printLine(error.description, to: .standardError)
            throw ExitCode.failure
        }
    }
}

/// The stream `printLine` writes to.
enum OutputStream {
    case standardOutput, standardError
}

/// Writes a line to stdout or stderr, unbuffered.
func printLine(_ text: String, to stream: OutputStream = .standardOutput) {
    let line = text.hasSuffix("\n") ? text : text + "\n"
    switch stream {
    case .standardOutput: writeStandardOutput(line)
    case .standardError: writeStandardError(line)
    }
}

/// Replaces this process with `executable` (absolute path, no shell), whose exit status becomes
/// ours. Returns only on failure: prints why and exits 127, as a shell does for a command it
/// cannot run.
func execute(_ executable: String, arguments: [String], environment: [String: String]) -> Never {
    let error = ProcessImage.replace(with: executable, arguments: arguments, environment: environment)
    printError("cannot run \(executable): \(String(cString: strerror(error)))")
    exit(127)
}
