import ClusterDNS
import KubeAPI
import Logging
import SwiftletCore

/// Makes the cluster DNS reachable at its service address: the `kube-system/kube-dns` Service
/// (selector-less, `internalTrafficPolicy: Local`, the address pods get in resolv.conf) and one
/// EndpointSlice per node, `kube-dns-<node>`, whose endpoint is this server on the node's pod
/// network gateway (the first address of the node's podCIDR, where the pods' default route
/// points). The proxy then sends a pod's queries to the DNS server of its own node; nothing
/// needs an image or a pod, so DNS works on an air-gapped node from its first pod on.
enum DNSRegistration {
    static let serviceName = "kube-dns"
    static let namespace = "kube-system"
    static let managedBy = "swiftlet-dns"

    /// Keeps the Service and this node's slice in place until cancelled: at once, then every
    /// `interval` (a deleted object comes back; a changed podCIDR or port is rewritten).
    static func run(client: any KubeAPIClient, clusterDNS: String, nodeName: String, port: Int,
                    interval: Duration = .seconds(60), logger: Logger) async {
        var wait: Duration = .milliseconds(500)
        while !Task.isCancelled {
            do {
                try await ensureService(client: client, clusterDNS: clusterDNS, port: port, logger: logger)
                if let gateway = try await gateway(client: client, nodeName: nodeName) {
                    try await ensureSlice(client: client, nodeName: nodeName, address: gateway, port: port, logger: logger)
                    wait = interval
                } else {
                    // The node registers, then gets its podCIDR from the controllers: look again soon.
                    wait = .seconds(1)
                }
            } catch {
                logger.warning("cannot register the cluster DNS service", metadata: ["error": "\(error)"])
                wait = .seconds(2)
            }
            try? await Task.sleep(for: wait)
        }
    }

    static func service(clusterDNS: String, port: Int) -> JSON {
        [
            "apiVersion": "v1", "kind": "Service",
            "metadata": [
                "name": .string(serviceName), "namespace": .string(namespace),
                "labels": ["k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "SwiftletDNS"],
            ],
            "spec": [
                "clusterIP": .string(clusterDNS), "clusterIPs": [.string(clusterDNS)],
                "internalTrafficPolicy": "Local",
                "ports": [
                    ["name": "dns", "port": 53, "protocol": "UDP", "targetPort": .int(Int64(port))],
                    ["name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": .int(Int64(port))],
                ],
            ],
        ]
    }

    static func slice(nodeName: String, address: String, port: Int) -> JSON {
        [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": [
                "name": .string("\(serviceName)-\(nodeName)"), "namespace": .string(namespace),
                "labels": ["kubernetes.io/service-name": .string(serviceName), "endpointslice.kubernetes.io/managed-by": .string(managedBy)],
            ],
            "addressType": "IPv4",
            "endpoints": [[
                "addresses": [.string(address)], "nodeName": .string(nodeName),
                "conditions": ["ready": true, "serving": true, "terminating": false],
            ]],
            "ports": [
                ["name": "dns", "port": .int(Int64(port)), "protocol": "UDP"],
                ["name": "dns-tcp", "port": .int(Int64(port)), "protocol": "TCP"],
            ],
        ]
    }

    /// The first address of an IPv4 pod CIDR (`10.42.0.0/24` -> `10.42.0.1`): the bridge's gateway.
    static func gatewayAddress(podCIDR: String) -> String? {
        guard let network = IPNetwork(podCIDR), case .v4(let address) = network.address, network.prefixLength <= 30 else {
            return nil
        }
        let value = address.bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let mask: UInt32 = network.prefixLength == 0 ? 0 : ~UInt32(0) << (32 - network.prefixLength)
        let gateway = (value & mask) + 1
        return IPv4Address(bytes: (0..<4).reversed().map { UInt8(truncatingIfNeeded: gateway >> (UInt32($0) * 8)) })?.description
    }

    private static func gateway(client: any KubeAPIClient, nodeName: String) async throws -> String? {
        let node: JSON
        do {
            node = try await client.get(.nodes, name: nodeName)
        } catch let error as StatusError where error.code == 404 {
            return nil
        }
        return node["spec"]["podCIDR"].stringValue.flatMap(gatewayAddress)
    }

    private static func ensureService(client: any KubeAPIClient, clusterDNS: String, port: Int, logger: Logger) async throws {
        do {
            let existing = try await client.get(.services, namespace: namespace, name: serviceName)
            if existing["spec"]["clusterIP"].stringValue != clusterDNS {
                // Someone else's service of that name: leave it, but say why pods may not resolve.
                logger.warning("kube-system/kube-dns exists with another address", metadata: [
                    "clusterIP": "\(existing["spec"]["clusterIP"].stringValue ?? "")", "expected": "\(clusterDNS)"])
            }
        } catch let error as StatusError where error.code == 404 {
            do {
                _ = try await client.create(.services, namespace: namespace, object: service(clusterDNS: clusterDNS, port: port))
                logger.info("created the cluster DNS service", metadata: ["clusterIP": "\(clusterDNS)"])
            } catch let error as StatusError where error.code == 409 {
                // Another node's DNS made it first.
            }
        }
    }

    private static func ensureSlice(client: any KubeAPIClient, nodeName: String, address: String, port: Int, logger: Logger) async throws {
        var desired = slice(nodeName: nodeName, address: address, port: port)
        let name = "\(serviceName)-\(nodeName)"
        do {
            let existing = try await client.get(.endpointSlices, namespace: namespace, name: name)
            guard existing["endpoints"] != desired["endpoints"] || existing["ports"] != desired["ports"] else { return }
            desired["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
            _ = try await client.update(.endpointSlices, namespace: namespace, object: desired)
        } catch let error as StatusError where error.code == 404 {
            _ = try await client.create(.endpointSlices, namespace: namespace, object: desired)
            logger.info("registered this node's DNS endpoint", metadata: ["address": "\(address)", "port": "\(port)"])
        }
    }
}
