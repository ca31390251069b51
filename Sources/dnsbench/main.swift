#if canImport(Glibc)
import Glibc
#endif
import ClusterDNS
import Logging
import NIOCore
import NIOPosix

// `swiftlet-dns-bench [--seconds N] [--sockets N] [--window N] [--server-threads N]`: starts a
// ClusterDNS server (1,000 Services) as a child process (`swiftlet-dns-bench serve ...`), a fake
// upstream in this process, warms the cache with 1,000 forwarded names, then drives UDP load from
// one thread over several sockets, each with a window of queries in flight. Prints queries/s for
// cached forwarded names and for cluster names, and the server's RSS.

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
    return value
}

if arguments.first == "serve" {
    try await BenchServer.run(upstreamPort: option("--upstream-port", 0), threads: option("--threads", 1),
                              portFile: arguments.firstIndex(of: "--port-file").map { arguments[$0 + 1] } ?? "")
} else {
    try await BenchDriver(seconds: option("--seconds", 5), sockets: option("--sockets", 4), window: option("--window", 32),
                          serverThreads: option("--server-threads", 1)).run()
}
