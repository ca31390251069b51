#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Discovery of this host's addresses, for the serving certificate's SANs when no node IP is given.
public enum NetworkInterfaces {
    /// The addresses of all interfaces that are up, excluding loopback and IPv6 link-local addresses
    /// (a link-local SAN is useless without a zone). Order follows the kernel's interface order.
    public static func hostAddresses() -> [IPAddress] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var result: [IPAddress] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let flags = Int32(bitPattern: UInt32(entry.pointee.ifa_flags))
            guard flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0,
                  let sockaddr = entry.pointee.ifa_addr
            else { continue }
            switch Int32(sockaddr.pointee.sa_family) {
            case AF_INET:
                let bytes = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                }
                if let ip = IPAddress(bytes: bytes) { result.append(ip) }
            case AF_INET6:
                let bytes = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
                let linkLocal = bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80
                if !linkLocal, let ip = IPAddress(bytes: bytes) { result.append(ip) }
            default:
                continue
            }
        }
        return result.uniqued()
    }
}
