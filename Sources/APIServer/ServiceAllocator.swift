import KubeAPI
import SwiftletCore
import Synchronization

/// Allocates Service ClusterIPs from the service CIDR and NodePorts from the node port range.
/// Allocations in flight are reserved until their write finishes, so concurrent creates never
/// get the same address; the stored Services are the source of truth otherwise.
final class ServiceAllocator: Sendable {
    struct Reservation: Sendable {
        var ips: [UInt32]
        var ports: [Int]
    }

    let network: UInt32
    let size: UInt32
    let nodePorts: ClosedRange<Int>
    private let reserved = Mutex<(ips: Set<UInt32>, ports: Set<Int>)>(([], []))

    init(serviceCIDR: String, nodePortRange: String) throws {
        let parts = serviceCIDR.split(separator: "/")
        guard parts.count == 2, let base = ServiceAllocator.parseIPv4(String(parts[0])), let bits = Int(parts[1]), (8...30).contains(bits) else {
            throw ConfigError("invalid service CIDR \"\(serviceCIDR)\": expected an IPv4 CIDR with a prefix between /8 and /30")
        }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - UInt32(bits))
        network = base & mask
        size = ~mask &+ 1
        let range = nodePortRange.split(separator: "-").compactMap { Int($0) }
        guard range.count == 2, range[0] > 0, range[0] <= range[1], range[1] <= 65535 else {
            throw ConfigError("invalid node port range \"\(nodePortRange)\": expected FROM-TO")
        }
        nodePorts = range[0]...range[1]
    }

    /// The first usable address: the `kubernetes` Service's ClusterIP.
    var firstIP: String { ServiceAllocator.format(network + 1) }

    static func parseIPv4(_ s: String) -> UInt32? {
        let octets = s.split(separator: ".", omittingEmptySubsequences: false).map { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 != nil && $0! <= 255 }) else { return nil }
        return octets.reduce(0) { $0 << 8 | $1! }
    }

    static func format(_ ip: UInt32) -> String {
        "\(ip >> 24).\(ip >> 16 & 255).\(ip >> 8 & 255).\(ip & 255)"
    }

    func contains(_ ip: UInt32) -> Bool { ip >= network && ip < network &+ size }

    /// Fills in `spec.clusterIP(s)` and node ports, or checks the requested ones; 422 when taken.
    func allocate(_ service: inout JSON, existing: [JSON]) async throws(StatusError) -> Reservation {
        let uid = service["metadata"]["uid"].stringValue
        let name = service["metadata"]["name"].stringValue ?? ""
        var usedIPs = Set<UInt32>()
        var usedPorts = Set<Int>()
        for other in existing where other["metadata"]["uid"].stringValue != uid {
            if let ip = other["spec"]["clusterIP"].stringValue.flatMap(ServiceAllocator.parseIPv4) { usedIPs.insert(ip) }
            for port in other["spec"]["ports"].arrayValue ?? [] {
                if let p = port["nodePort"].intValue { usedPorts.insert(Int(p)) }
            }
        }
        let type = service["spec"]["type"].stringValue ?? "ClusterIP"
        var reservation = Reservation(ips: [], ports: [])
        var causes: [StatusCause] = []
        return try reserved.withLock { state throws(StatusError) -> Reservation in
            usedIPs.formUnion(state.ips)
            usedPorts.formUnion(state.ports)
            if type != "ExternalName" {
                let requested = service["spec"]["clusterIP"].stringValue ?? ""
                if requested.isEmpty {
                    guard let ip = pickIP(used: usedIPs) else {
                        throw StatusError(code: 500, reason: "InternalError", message: "Internal error occurred: failed to allocate a serviceIP: range is full")
                    }
                    reservation.ips.append(ip)
                    service["spec"]["clusterIP"] = .string(ServiceAllocator.format(ip))
                    service["spec"]["clusterIPs"] = [.string(ServiceAllocator.format(ip))]
                } else if requested != "None" {
                    if let ip = ServiceAllocator.parseIPv4(requested) {
                        if !contains(ip) {
                            causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: [\"\(requested)\"]: failed to allocate IP \(requested): the provided IP (\(requested)) is not in the valid range. The range of valid IPs is \(ServiceAllocator.format(network))/\(32 - size.trailingZeroBitCount)", field: "spec.clusterIPs"))
                        } else if usedIPs.contains(ip) {
                            causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: [\"\(requested)\"]: failed to allocate IP \(requested): provided IP is already allocated", field: "spec.clusterIPs"))
                        } else {
                            reservation.ips.append(ip)
                        }
                    }
                    if service["spec"]["clusterIPs"].isNull { service["spec"]["clusterIPs"] = [.string(requested)] }
                } else if service["spec"]["clusterIPs"].isNull {
                    service["spec"]["clusterIPs"] = ["None"]
                }
            }
            if type == "NodePort" || type == "LoadBalancer", case .array(var ports) = service["spec"]["ports"] {
                for i in ports.indices {
                    if let p = ports[i]["nodePort"].intValue, p != 0 {
                        let port = Int(p)
                        if !nodePorts.contains(port) {
                            causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \(port): provided port is not in the valid range. The range of valid ports is \(nodePorts.lowerBound)-\(nodePorts.upperBound)", field: "spec.ports[\(i)].nodePort"))
                        } else if usedPorts.contains(port) || reservation.ports.contains(port) {
                            causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \(port): provided port is already allocated", field: "spec.ports[\(i)].nodePort"))
                        } else {
                            reservation.ports.append(port)
                        }
                    } else {
                        guard let port = pickPort(used: usedPorts.union(reservation.ports)) else {
                            throw StatusError(code: 500, reason: "InternalError", message: "Internal error occurred: failed to allocate a nodePort: range is full")
                        }
                        reservation.ports.append(port)
                        ports[i]["nodePort"] = .int(Int64(port))
                    }
                }
                service["spec"]["ports"] = .array(ports)
            }
            if !causes.isEmpty {
                throw StatusError.invalid(kind: "Service", name: name, causes: causes)
            }
            state.ips.formUnion(reservation.ips)
            state.ports.formUnion(reservation.ports)
            return reservation
        }
    }

    func release(_ reservation: Reservation) {
        reserved.withLock { state in
            state.ips.subtract(reservation.ips)
            state.ports.subtract(reservation.ports)
        }
    }

    /// A random free address, skipping the network address, the first IP (kubernetes) and broadcast.
    /// A free ClusterIP, from the upper part of the range first: as upstream (ServiceIPStaticSubrange),
    /// the first min(max(16, size/16), 256) addresses are left for services that ask for an address,
    /// such as the cluster DNS at .10, and used only when the rest is full.
    private func pickIP(used: Set<UInt32>) -> UInt32? {
        guard size > 3 else { return nil }
        let first = network + 2  // .0 is the network; .1 is the kubernetes service's
        let last = network + size - 2  // the broadcast address stays free
        let staticBand = min(max(16, size / 16), 256)
        let dynamicStart = min(network + staticBand, last)
        for band in [dynamicStart...last, first...last] {
            let span = band.upperBound - band.lowerBound + 1
            let start = UInt32.random(in: 0..<span)
            for offset in 0..<span {
                let ip = band.lowerBound + (start + offset) % span
                if !used.contains(ip) { return ip }
            }
        }
        return nil
    }

    private func pickPort(used: Set<Int>) -> Int? {
        let count = nodePorts.count
        let start = Int.random(in: 0..<count)
        for offset in 0..<count {
            let port = nodePorts.lowerBound + (start + offset) % count
            if !used.contains(port) { return port }
        }
        return nil
    }
}
