import Supervision
import SupervisorControl

/// How `swiftlet kubectl ...` runs kubectl: found on `PATH` (absolute directories only) or at
/// `/usr/bin/kubectl`, with `KUBECONFIG` pointing at the admin kubeconfig unless already set.
public enum KubectlLauncher {
    public static let fallbackPath = "/usr/bin/kubectl"

    /// The kubectl executable, nil when there is none.
    public static func locate(
        pathVariable: String?, isExecutable: (String) -> Bool = { POSIXFile.isExecutableFile($0) }
    ) -> String? {
        let directories = (pathVariable ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        for directory in directories {
            let candidate = (directory.hasSuffix("/") ? directory : directory + "/") + "kubectl"
            if isExecutable(candidate) { return candidate }
        }
        return isExecutable(fallbackPath) ? fallbackPath : nil
    }

    /// The environment kubectl runs with: an existing non-empty `KUBECONFIG` wins, as with `k3s kubectl`.
    public static func environment(_ current: [String: String], adminKubeconfig: String) -> [String: String] {
        var environment = current
        if (environment["KUBECONFIG"] ?? "").isEmpty { environment["KUBECONFIG"] = adminKubeconfig }
        return environment
    }

    /// Swiftlet's own options accepted before kubectl's arguments (kubectl has none of these names).
    public static let swiftletOptions: Set<String> = ["--config", "--data-dir", "--run-dir", "--write-kubeconfig"]

    /// Splits leading `--data-dir X` / `--data-dir=X` style options from kubectl's arguments.
    /// Stops at the first argument that is not one of them, so kubectl's own flags pass verbatim.
    public static func splitLeadingOptions(_ arguments: [String]) throws(ControlError) -> (options: [String: String], rest: [String]) {
        var options: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { index += 1; break }
            if let equals = argument.firstIndex(of: "="), swiftletOptions.contains(String(argument[..<equals])) {
                options[String(argument[..<equals].dropFirst(2))] = String(argument[argument.index(after: equals)...])
                index += 1
            } else if swiftletOptions.contains(argument) {
                guard index + 1 < arguments.count else { throw ControlError("\(argument) needs a value") }
                options[String(argument.dropFirst(2))] = arguments[index + 1]
                index += 2
            } else {
                break
            }
        }
        return (options, Array(arguments[index...]))
    }
}
