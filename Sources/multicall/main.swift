// The multi-call binary the Debian package installs as /usr/bin/swiftlet: every component in one
// executable, chosen by the name it was started under (busybox-style, as K3s does). The package
// links /usr/lib/swiftlet/swiftlet-<component> to it; each component still runs as its own process
// under the supervisor. One copy of SwiftNIO, BoringSSL, gRPC, KubeAPI and the Swift runtime
// instead of one per component keeps the installed size down (BENCHMARKS.md, "Package size").
import APIServerEntry
import ControllersEntry
import DNSEntry
import KubeletEntry
import ProxyEntry
import SchedulerEntry
import SupervisorEntry
import SwiftletEntry

let invokedAs = CommandLine.arguments.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? "swiftlet"
switch invokedAs {
case "swiftlet-apiserver": await APIServerCommand.main()
case "swiftlet-scheduler": await SchedulerCommand.main()
case "swiftlet-controllers": await ControllersCommand.main()
case "swiftlet-kubelet": await KubeletCommand.main()
case "swiftlet-proxy": await ProxyCommand.main()
case "swiftlet-dns": await DNSCommand.main()
case "swiftlet-supervisor": await SupervisorMain.main()
default: await SwiftletCommand.main()
}
