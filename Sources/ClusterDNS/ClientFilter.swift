import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Which clients the server answers. The cluster DNS listens on every address of the host so that
/// pods reach it through the node's pod-network gateway; without a filter it would also be an open
/// recursive resolver for the whole factory network. Queries from other sources are dropped (UDP)
/// or their connection closed (TCP), as a firewall would.
public final class ClientFilter: Sendable {
    private let networks: Mutex<[IPNetwork]>
    private let fixed: [IPNetwork]

    /// Loopback, the given networks (the pod and service networks), and the host's own addresses
    /// (the host's queries to the service address arrive from one of them).
    public init(networks: [IPNetwork]) {
        fixed = networks + ["127.0.0.0/8", "::1/128"].compactMap(IPNetwork.init)
        self.networks = Mutex(fixed + Self.hostAddresses())
    }

    /// Re-reads the host's addresses (interfaces come and go: the pod bridge appears with the first pod).
    public func refreshHostAddresses() {
        let current = fixed + Self.hostAddresses()
        networks.withLock { $0 = current }
    }

    public func allows(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress.flatMap(IPAddress.init) else { return false }
        return networks.withLock { $0.contains { $0.contains(ip) } }
    }

    static func hostAddresses() -> [IPNetwork] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var result: [IPNetwork] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let sockaddr = entry.pointee.ifa_addr else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let family = Int32(sockaddr.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            guard getnameinfo(sockaddr, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            var text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }  // fe80::1%eth0
            if let network = IPNetwork(family == AF_INET ? "\(text)/32" : "\(text)/128") { result.append(network) }
        }
        return result
    }
}
