#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import ClusterDNS

/// A fake upstream resolver on loopback (UDP and TCP on one port): every A question gets
/// 192.0.2.1 (TTL 60), `nx.example.` NXDOMAIN with an SOA, and `big.example.` 60 addresses,
/// which over UDP come back truncated.
final class FakeUpstream: Sendable {
    let udpQueries = Atomic<Int>(0)
    let tcpQueries = Atomic<Int>(0)

    static func answer(_ query: DNSMessage, tcp: Bool) -> DNSMessage {
        var reply = query.reply()
        reply.recursionAvailable = true
        guard let question = query.questions.first else { return reply }
        switch question.name.key {
        case "nx.example":
            reply.rcode = DNSRcode.nameError
            reply.authority = [ResourceRecord(name: DNSName("example"), type: .soa, ttl: 600, data: .soa(.init(
                mname: DNSName("ns.example"), rname: DNSName("root.example"), serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 30)))]
        case "big.example":
            if tcp {
                reply.answers = (1...60).map { ResourceRecord(name: question.name, type: .a, ttl: 60, data: .a(IPv4Address(bytes: [198, 51, 100, UInt8($0)])!)) }
            } else {
                reply.truncated = true
            }
        default:
            if question.type == .a {
                reply.answers = [ResourceRecord(name: question.name, type: .a, ttl: 60, data: .a(IPv4Address("192.0.2.1")!))]
            }
        }
        return reply
    }

    final class UDPHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let owner: FakeUpstream
        init(owner: FakeUpstream) { self.owner = owner }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let query = try? DNSMessage(parsing: Array(envelope.data.readableBytesView)) else { return }
            owner.udpQueries.add(1, ordering: .relaxed)
            let bytes = FakeUpstream.answer(query, tcp: false).serialized()
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: context.channel.allocator.buffer(bytes: bytes))), promise: nil)
        }
    }

    final class TCPHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let owner: FakeUpstream
        init(owner: FakeUpstream) { self.owner = owner }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard let query = try? DNSMessage(parsing: Array(unwrapInboundIn(data).readableBytesView)) else { return }
            owner.tcpQueries.add(1, ordering: .relaxed)
            let bytes = FakeUpstream.answer(query, tcp: true).serialized()
            context.writeAndFlush(wrapOutboundOut(DNSFrameDecoder.frame(bytes, allocator: context.channel.allocator)), promise: nil)
        }
    }

    /// TCP picks a free port; UDP may find that number taken, then both try again.
    func start(group: any EventLoopGroup) async throws -> (port: Int, channels: [any Channel]) {
        for _ in 0..<19 {
            if let started = try? await bind(group: group) { return started }
        }
        return try await bind(group: group)
    }

    func bind(group: any EventLoopGroup) async throws -> (port: Int, channels: [any Channel]) {
        let tcp = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(TCPHandler(owner: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = tcp.localAddress!.port!
        do {
            let udp = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(UDPHandler(owner: self)) }
                }
                .bind(host: "127.0.0.1", port: port).get()
            return (port, [tcp, udp])
        } catch {
            try? await tcp.close()
            throw error
        }
    }
}

@Suite(.serialized) struct ServerTests {
    /// Runs `body` against a DNSServer on a free loopback port whose upstream is a FakeUpstream.
    func withServer(zone: ClusterZone = Fixture.zone,
                    _ body: (_ port: Int, _ upstream: FakeUpstream, _ cache: DNSCache) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = FakeUpstream()
        let (upstreamPort, upstreamChannels) = try await upstream.start(group: group)
        let cache = DNSCache()
        let forwarder = Forwarder(upstreams: [Upstream(host: "127.0.0.1", port: upstreamPort)], group: group, timeout: .seconds(2))
        let resolver = DNSResolver(zones: ZoneStore(zone), cache: cache, forwarder: forwarder)
        let server = try await DNSServer.start(configuration: .init(host: "127.0.0.1", port: 0), resolver: resolver, group: group,
                                               logger: Logger(label: "test"))
        do {
            try await body(server.port, upstream, cache)
        } catch {
            await server.stop()
            for channel in upstreamChannels { try? await channel.close() }
            try? await group.shutdownGracefully()
            throw error
        }
        await server.stop()
        for channel in upstreamChannels { try? await channel.close() }
        try await group.shutdownGracefully()
    }

    /// The blocking client runs off the cooperative pool's threads.
    func udp(_ query: DNSMessage, port: Int) async throws -> DNSMessage {
        try await Task.detached { try DNSMessage(parsing: LoopbackClient.udp(query, port: port)) }.value
    }

    @Test func answersClusterNamesOverUDPAndTCP() async throws {
        try await withServer { port, upstream, _ in
            let reply = try await udp(LoopbackClient.query("web.default.svc.cluster.local", .a), port: port)
            #expect(reply.id == 77)
            #expect(reply.authoritative)
            #expect(reply.answers.map(\.data) == [.a(IPv4Address("10.43.0.20")!)])
            #expect(reply.answers.first?.ttl == 5)
            let nx = try await udp(LoopbackClient.query("nope.default.svc.cluster.local", .a), port: port)
            #expect(nx.rcode == DNSRcode.nameError)
            #expect(nx.authority.first?.type == .soa)
            // Several queries on one TCP connection.
            let replies = try await Task.detached {
                try LoopbackClient.tcp([LoopbackClient.query("db.default.svc.cluster.local", .a, id: 1),
                                        LoopbackClient.query("web.default.svc.cluster.local", .aaaa, id: 2)], port: port)
            }.value.map { try DNSMessage(parsing: $0) }
            #expect(Set(replies.map(\.id)) == [1, 2])
            #expect(replies.first { $0.id == 1 }?.answers.count == 2)
            #expect(replies.first { $0.id == 2 }.map { $0.rcode == 0 && $0.answers.isEmpty } == true)
            #expect(upstream.udpQueries.load(ordering: .relaxed) == 0)
        }
    }

    @Test func forwardsAndCachesOutsideNames() async throws {
        try await withServer { port, upstream, cache in
            let first = try await udp(LoopbackClient.query("www.example.", .a), port: port)
            #expect(first.answers.map(\.data) == [.a(IPv4Address("192.0.2.1")!)])
            #expect(first.recursionAvailable)
            #expect(!first.authoritative)
            let second = try await udp(LoopbackClient.query("WWW.Example.", .a, id: 78), port: port)
            #expect(second.id == 78)
            #expect(second.answers.map(\.data) == [.a(IPv4Address("192.0.2.1")!)])
            #expect(upstream.udpQueries.load(ordering: .relaxed) == 1)
            // Negative answers are cached by the SOA minimum.
            for _ in 0..<2 {
                let nx = try await udp(LoopbackClient.query("nx.example", .a), port: port)
                #expect(nx.rcode == DNSRcode.nameError)
            }
            #expect(upstream.udpQueries.load(ordering: .relaxed) == 2)
            #expect(cache.count == 2)
            // ExternalName: the zone's CNAME, then the target from upstream.
            let alias = try await udp(LoopbackClient.query("ext.default.svc.cluster.local", .a), port: port)
            #expect(alias.answers.map(\.data) == [.cname(DNSName("example.org")), .a(IPv4Address("192.0.2.1")!)])
        }
    }

    @Test func truncatesLargeUDPAnswersAndServesThemOverTCP() async throws {
        try await withServer { port, upstream, _ in
            // Upstream truncates over UDP; the forwarder retries over TCP and caches the full answer.
            let cut = try await udp(LoopbackClient.query("big.example", .a), port: port)
            #expect(cut.truncated)
            #expect(cut.answers.isEmpty)
            #expect(upstream.tcpQueries.load(ordering: .relaxed) == 1)
            // With EDNS the client takes up to 1232 bytes: 60 records (~1 KB) fit.
            let edns = try await udp(LoopbackClient.query("big.example", .a, edns: 4096), port: port)
            #expect(!edns.truncated)
            #expect(edns.answers.count == 60)
            let full = try await Task.detached { try LoopbackClient.tcp([LoopbackClient.query("big.example", .a)], port: port) }.value
            let reply = try DNSMessage(parsing: full[0])
            #expect(!reply.truncated)
            #expect(reply.answers.count == 60)
            #expect(upstream.tcpQueries.load(ordering: .relaxed) == 1)
        }
    }

    @Test func survivesGarbageAndAnswersAfterwards() async throws {
        try await withServer { port, _, _ in
            try await Task.detached {
                try LoopbackClient.withSocket(Int32(SOCK_DGRAM.rawValue)) { fd in
                    var address = LoopbackClient.socketAddress(port: port)
                    for packet: [UInt8] in [[], [1], [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12], [UInt8](repeating: 0xFF, count: 600)] {
                        _ = withUnsafePointer(to: &address) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, packet, packet.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                        }
                    }
                }
            }.value
            let reply = try await udp(LoopbackClient.query("web.default.svc.cluster.local", .a), port: port)
            #expect(reply.answers.count == 1)
        }
    }

    @Test func busyboxNslookupResolvesAgainstTheServer() async throws {
        let busybox = "/usr/bin/busybox"
        guard access(busybox, X_OK) == 0 else { return }
        try await withServer { port, _, _ in
            let output = try await Task.detached { try runCommand([busybox, "nslookup", "-port=\(port)", "-type=a", "web.default.svc.cluster.local", "127.0.0.1"]) }.value
            #expect(output.contains("10.43.0.20"), "\(output)")
            let srv = try await Task.detached { try runCommand([busybox, "nslookup", "-port=\(port)", "-type=srv", "_pg._tcp.db.default.svc.cluster.local", "127.0.0.1"]) }.value
            #expect(srv.contains("5432"), "\(srv)")
        }
    }
}

/// Runs a command and returns its stdout and stderr (posix_spawn; waits for it by PID).
func runCommand(_ arguments: [String]) throws -> String {
    var pipeFDs: [Int32] = [0, 0]
    guard pipe(&pipeFDs) == 0 else { throw LoopbackClient.Failure(description: "pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
    posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
    posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
    close(pipeFDs[1])
    defer { close(pipeFDs[0]) }
    guard status == 0 else { throw LoopbackClient.Failure(description: "spawn \(arguments[0]): \(status)") }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(pipeFDs[0], &buffer, buffer.count)
        if count <= 0 { break }
        output += buffer[0..<count]
    }
    var exit: Int32 = 0
    waitpid(pid, &exit, 0)
    return String(decoding: output, as: UTF8.self)
}

extension ServerTests {
    @Test func externalNameWithAMissingTargetIsTheCNAMEAlone() async throws {
        let zone = ClusterZone(settings: Fixture.settings, services: [ServiceInfo(namespace: "default", name: "gone", externalName: "nx.example")],
                               slices: [], namespaces: ["default"], serial: 1)
        try await withServer(zone: zone) { port, upstream, _ in
            let reply = try await udp(LoopbackClient.query("gone.default.svc.cluster.local", .a), port: port)
            #expect(reply.rcode == DNSRcode.noError)
            #expect(reply.answers.map(\.data) == [.cname(DNSName("nx.example"))])
            #expect(upstream.udpQueries.load(ordering: .relaxed) == 1)
        }
    }
}
