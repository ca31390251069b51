import Glibc
import NodeAgent
import ServiceProxy
import SwiftletSystem
import Testing

/// The node-wide pod masquerade, applied by the real nft in network namespaces of the test's own:
/// a "node" namespace routes between a "pod" and an "outside" namespace, and the outside's TCP
/// server reports which source address each connection arrived from.
@Suite struct PodMasqueradeTests {
    static let masquerade = PodMasquerade(podCIDR: "10.42.0.0/24", clusterCIDR: "10.42.0.0/16")

    @Test func rendersOneReplacingTransaction() throws {
        let text = try Self.masquerade.rendered()
        #expect(text.hasPrefix("add table ip swiftlet-pods\ndelete table ip swiftlet-pods\n"))
        #expect(text.contains("type nat hook postrouting priority srcnat"))
        #expect(text.contains("ip saddr 10.42.0.0/24 ip daddr != 10.42.0.0/16 ip daddr != 224.0.0.0/4 masquerade"))
    }

    @Test(arguments: [("10.42.0.0", "10.42.0.0/16"), ("10.42.0.0/24", "10.42.0.0/33"), ("10.42.0.0/24; flush ruleset", "10.42.0.0/16")])
    func refusesBadRanges(pod: String, cluster: String) {
        #expect(throws: ProxyError.self) { try PodMasquerade(podCIDR: pod, clusterCIDR: cluster).rendered() }
    }

    @Test func masqueradesOnlyTrafficLeavingTheClusterNetwork() throws {
        let table = try Self.masquerade.rendered()
        let tag = "pmq\(getpid())"
        // Applied twice: the second run must replace the first, not add a second rule.
        let script = """
            set -e
            T=$(mktemp -d); cat > $T/table.nft
            cleanup() { for n in node pod out; do ip netns del \(tag)-$n 2>/dev/null || true; done; rm -rf $T; }
            trap cleanup EXIT
            for n in node pod out; do ip netns add \(tag)-$n; ip -n \(tag)-$n link set lo up; done
            ip link add \(tag)a netns \(tag)-pod type veth peer name \(tag)b netns \(tag)-node
            ip link add \(tag)c netns \(tag)-node type veth peer name \(tag)d netns \(tag)-out
            ip -n \(tag)-pod addr add 10.42.0.2/24 dev \(tag)a; ip -n \(tag)-pod link set \(tag)a up
            ip -n \(tag)-pod route add default via 10.42.0.1
            ip -n \(tag)-node addr add 10.42.0.1/24 dev \(tag)b; ip -n \(tag)-node link set \(tag)b up
            ip -n \(tag)-node addr add 192.0.2.1/24 dev \(tag)c; ip -n \(tag)-node link set \(tag)c up
            ip -n \(tag)-node route add 10.42.1.0/24 via 192.0.2.2
            ip netns exec \(tag)-node sysctl -qw net.ipv4.ip_forward=1
            ip -n \(tag)-out addr add 192.0.2.2/24 dev \(tag)d; ip -n \(tag)-out addr add 10.42.1.5/32 dev \(tag)d
            ip -n \(tag)-out link set \(tag)d up
            ip -n \(tag)-out route add 10.42.0.0/24 via 192.0.2.1
            ip netns exec \(tag)-node nft -f $T/table.nft
            ip netns exec \(tag)-node nft -f $T/table.nft
            echo "rules=$(ip netns exec \(tag)-node nft list table ip swiftlet-pods | grep -c masquerade)"
            peer() { # address port: the source address the outside sees for a connection from the pod
              ip netns exec \(tag)-out python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(); s.settimeout(10); c,a=s.accept(); print(a[0])' $1 $2 > $T/peer &
              L=$!; sleep 0.3
              ip netns exec \(tag)-pod python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5).close()' $1 $2
              wait $L; cat $T/peer
            }
            echo "outside=$(peer 192.0.2.2 9000)"
            echo "othernode=$(peer 10.42.1.5 9001)"
            """
        let result = try CapturedCommand.run(["/bin/sh", "-c", script], input: Array(table.utf8))
        let output = String(decoding: result.stdout + result.stderr, as: UTF8.self)
        #expect(result.status == 0, "\(output)")
        #expect(output.contains("rules=1"), "\(output)")
        // Leaving the cluster network: the node's address.
        #expect(output.contains("outside=192.0.2.1"), "\(output)")
        // To another node's pod range: the pod's own address.
        #expect(output.contains("othernode=10.42.0.2"), "\(output)")
    }
}
