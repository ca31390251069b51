#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Supervision
import SwiftletInfo

/// `swiftlet-supervisor --plan <file>`: the long-running half of `swiftlet server` and
/// `swiftlet agent`, which prepare everything and exec this (same PID, so systemd's main process
/// and its NOTIFY_SOCKET carry over). Its code uses neither Foundation, SwiftNIO nor the
/// certificate and YAML libraries (health probes use the system OpenSSL, the control socket plain
/// POSIX sockets), which keeps the one process that never restarts small.
public enum SupervisorMain {
    static let usage = """
        Usage: swiftlet-supervisor --plan <file>

        Supervises Swiftlet's components as described by a plan file written by `swiftlet server`
        or `swiftlet agent`; not meant to be started by hand.

        Options:
          --plan <file>   the supervisor plan (JSON)
          --version       print the version and exit
          -h, --help      print this help and exit

        """

    static func fail(_ message: String, code: Int32 = 1) -> Never {
        let line = "Error: \(message)\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        exit(code)
    }

    /// Parses `arguments` (without the program name), runs the plan and exits with its status.
    public static func main(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        // A client that hangs up mid-answer (control socket, health probe) must cost an EPIPE, not
        // the process. Children get the default disposition back (see `ChildProcess`).
        signal(SIGPIPE, SIG_IGN)

        var arguments = arguments[...]
        var planPath: String?
        while let argument = arguments.popFirst() {
            switch argument {
            case "-h", "--help":
                print(usage, terminator: "")
                exit(0)
            case "--version":
                print("swiftlet-supervisor \(SwiftletVersion.current)")
                exit(0)
            case "--plan":
                guard let value = arguments.popFirst() else { fail("--plan needs a file name", code: 64) }
                planPath = value
            default:
                if argument.hasPrefix("--plan=") {
                    planPath = String(argument.dropFirst("--plan=".count))
                } else {
                    fail("unknown argument \"\(argument)\"; see --help", code: 64)
                }
            }
        }
        guard let planPath else { fail("--plan is required; see --help", code: 64) }

        let plan: SupervisorPlan
        do {
            plan = try SupervisorPlan.read(from: planPath)
        } catch {
            fail("\(error)")
        }
        exit(await PlanRun(plan: plan, planPath: planPath).run())
    }
}
