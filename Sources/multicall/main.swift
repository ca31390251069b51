// The multi-call binary the Debian package installs as /usr/bin/swiftlet: every component in one
// executable, chosen by the name it was started under (busybox-style, as K3s does). The package
// links /usr/lib/swiftlet/swiftlet-<component> to it; each component still runs as its own process
// under the supervisor. One copy of SwiftNIO, BoringSSL, gRPC, KubeAPI and the Swift runtime
// instead of one per component keeps the installed size down (BENCHMARKS.md, "Package size").
import APIServerEntry
import ArgumentParser
import ControllersEntry
import DNSEntry
import KubeletEntry
import ProxyEntry
import SchedulerEntry
import SupervisorEntry
import SwiftletEntry

let components: [String: any AsyncParsableCommand.Type] = [
    "swiftlet-apiserver": APIServerCommand.self,
    "swiftlet-scheduler": SchedulerCommand.self,
    "swiftlet-controllers": ControllersCommand.self,
    "swiftlet-kubelet": KubeletCommand.self,
    "swiftlet-proxy": ProxyCommand.self,
    "swiftlet-dns": DNSCommand.self,
]
let invokedAs = CommandLine.arguments.first.flatMap { $0.split(separator: "/").last.map(String.init) } ?? "swiftlet"
/// From an async function: in top-level code, `await X.main()` resolves to ParsableCommand's
/// synchronous main, which refuses to run an asynchronous command.
func run(_ command: any AsyncParsableCommand.Type) async { await command.main() }

if invokedAs == "swiftlet-supervisor" {
    await SupervisorMain.main()
}
// Any other name (swiftlet, swiftlet-multicall, a renamed copy) is the CLI.
await run(components[invokedAs] ?? SwiftletCommand.self)
