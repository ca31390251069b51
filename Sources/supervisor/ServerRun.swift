#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Foundation
import KubePKI
import Logging
import SwiftletCore

/// One run of `swiftlet server`: prepares TLS material and configuration, starts the apiserver,
/// waits for it to be ready, and supervises it until a signal or its exit.
///
/// States: preparing -> starting (port file, kubeconfigs, `/readyz`) -> running -> stopping.
/// Everything that happens concurrently (signals, the child's exit, start-up progress, the kill
/// deadline) arrives as an `Event` on one stream, so the decisions are made in one place.
struct ServerRun {
    let config: ServerConfig
    let logger: Logger

    static let component = "apiserver"
    static let executableName = "swiftlet-apiserver"
    static let readinessTimeout: Duration = .seconds(60)
    static let stopDeadline: Duration = .seconds(10)

    init(config: ServerConfig) {
        self.config = config
        var logger = Logger(label: "swiftlet") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = config.logLevel
        self.logger = logger
    }

    enum Event: Sendable {
        case signal(Int32)
        case childExited(ExitStatus)
        case ready(port: Int)
        case startupFailed(String)
        case stopDeadlinePassed
    }

    /// Runs until the server stops; returns the process exit code.
    func run() async -> Int32 {
        let prepared: Prepared
        do {
            prepared = try prepare()
        } catch {
            printError("\(error)")
            return 1
        }
        let (events, sink) = AsyncStream<Event>.makeStream()
        let signals = SignalSources(signals: [SIGTERM, SIGINT]) { sink.yield(.signal($0)) }
        defer { signals.cancel() }

        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                executable: prepared.executable, arguments: ["--config", prepared.apiserverConfigPath],
                environment: ChildEnvironment.sanitized(ProcessInfo.processInfo.environment))
        } catch {
            printError("\(error)")
            return 1
        }
        let pidFile = PIDFile(path: config.pidFile(Self.component))
        do {
            try pidFile.write(child.pid)
        } catch {
            logger.warning("cannot write PID file \(pidFile.path): \(error)")
        }
        logger.info("started \(Self.executableName)", metadata: ["pid": "\(child.pid)"])

        Task { sink.yield(.childExited(await child.waitForExit())) }
        let startup = Task { await startUp(prepared, sink: sink) }
        defer { startup.cancel() }

        var stopping = false
        var failed = false
        for await event in events {
            switch event {
            case .ready(let port):
                guard !stopping else { continue }
                let line = "Swiftlet is ready; kubeconfig written to \(config.writeKubeconfig) (\(ControlPlaneFiles.localURL(port: port)))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            case .startupFailed(let message):
                guard !stopping else { continue }
                printError(message)
                stopping = true
                failed = true
                beginStop(child, signal: SIGTERM, sink: sink)
            case .signal(let signal):
                logger.info("received signal \(signal); stopping \(Self.executableName)")
                if !stopping { beginStop(child, signal: SIGTERM, sink: sink) }
                stopping = true
            case .stopDeadlinePassed:
                logger.warning("\(Self.executableName) did not stop within \(Self.stopDeadline); killing it")
                child.signalGroup(SIGKILL)
                failed = true
            case .childExited(let status):
                startup.cancel()
                pidFile.remove()
                if prepared.removePortFile { unlink(config.portFile(Self.component)) }
                // Anything left in the group (the apiserver has no children today) goes too.
                child.signalGroup(SIGKILL)
                if !stopping {
                    printError("\(Self.executableName) exited unexpectedly (\(status))")
                    return 1
                }
                let clean = status == .exited(0) || status == .signaled(SIGTERM)
                if !clean { printError("\(Self.executableName) stopped with \(status)") }
                return failed || !clean ? 1 : 0
            }
        }
        return 1
    }

    private func beginStop(_ child: ChildProcess, signal: Int32, sink: AsyncStream<Event>.Continuation) {
        child.signalGroup(signal)
        Task {
            try? await Task.sleep(for: Self.stopDeadline)
            sink.yield(.stopDeadlinePassed)
        }
    }
}

/// Delivers the given signals to a handler instead of their default action.
final class SignalSources {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        sources = signals.map { number in
            // The default action would kill the supervisor before it can stop its children.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
