#if canImport(Glibc)
import Glibc
#endif
import ClusterDNS
import NIOCore
import NIOPosix

/// Answers every A question with 192.0.2.1 for an hour, so forwarded names stay cached.
final class BenchUpstream: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let query = try? DNSMessage(parsing: Array(envelope.data.readableBytesView)), let question = query.questions.first else { return }
        var reply = query.reply()
        reply.answers = [ResourceRecord(name: question.name, type: .a, ttl: 3600, data: .a(IPv4Address("192.0.2.1")!))]
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress,
                                                               data: context.channel.allocator.buffer(bytes: reply.serialized()))), promise: nil)
    }
}

struct BenchDriver {
    var seconds: Int
    var sockets: Int
    var window: Int
    var serverThreads: Int

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(BenchUpstream()) } }
            .bind(host: "127.0.0.1", port: 0).get()
        let portFile = "/tmp/swiftlet-dns-bench-\(getpid()).port"
        let pid = try spawn(["/proc/self/exe", "serve", "--upstream-port", "\(upstream.localAddress!.port!)",
                             "--threads", "\(serverThreads)", "--port-file", portFile])
        defer {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            unlink(portFile)
        }
        var port = 0
        for _ in 0..<100 where port == 0 {
            usleep(50_000)
            port = Int(readFile(portFile).trimmingCharacters()) ?? 0
        }
        guard port > 0 else { throw BenchError("the server did not start") }
        let rssIdle = rss(pid)

        let forwarded = (0..<1_000).map { query(name: "host\($0).example", id: UInt16($0)) }
        let cluster = (0..<1_000).map { query(name: "svc\($0).ns\($0 % 10).svc.cluster.local", id: UInt16($0)) }
        // Warm the cache: each forwarded name once (window 1: no load yet).
        _ = load(port: port, packets: forwarded, sockets: 1, window: 1, duration: 1, limit: forwarded.count)

        let cachedRate = load(port: port, packets: forwarded, sockets: sockets, window: window, duration: seconds)
        let clusterRate = load(port: port, packets: cluster, sockets: sockets, window: window, duration: seconds)
        let rssLoaded = rss(pid)
        print("""
            Cluster DNS (swiftlet-dns-bench, \(sockets) sockets x \(window) in flight, \(seconds) s each, server threads \(serverThreads))
              cached forwarded names: \(Int(cachedRate.rate)) queries/s (\(cachedRate.lost) unanswered)
              cluster zone names:     \(Int(clusterRate.rate)) queries/s (\(clusterRate.lost) unanswered)
              server RSS: \(rssIdle / 1024) MB idle, \(rssLoaded / 1024) MB after load
            """)
        try await upstream.close()
        try await group.shutdownGracefully()
    }

    func query(name: String, id: UInt16) -> [UInt8] {
        var message = DNSMessage()
        message.id = id
        message.recursionDesired = true
        message.questions = [DNSQuestion(name: DNSName(name), type: .a)]
        return message.serialized()
    }

    /// Replies per second over `duration` seconds from one thread: each socket keeps `window`
    /// queries in flight, refilled as replies arrive (or after 100 ms of silence).
    func load(port: Int, packets: [[UInt8]], sockets: Int, window: Int, duration: Int, limit: Int = .max) -> (rate: Double, lost: Int) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var fds: [Int32] = []
        for _ in 0..<sockets {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            fds.append(fd)
        }
        defer { for fd in fds { close(fd) } }
        var next = 0
        var sent = 0
        var received = 0
        var inFlight = [Int](repeating: 0, count: sockets)
        func send(_ socket: Int) {
            let packet = packets[next % packets.count]
            next += 1
            if Glibc.send(fds[socket], packet, packet.count, 0) == packet.count {
                sent += 1
                inFlight[socket] += 1
            }
        }
        let start = now()
        var lastReply = start
        for socket in 0..<sockets { for _ in 0..<min(window, limit) { send(socket) } }
        var polls = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 2048)
        while now() - start < Double(duration), received < limit {
            guard poll(&polls, nfds_t(polls.count), 100) >= 0 else { break }
            for socket in 0..<sockets where polls[socket].revents & Int16(POLLIN) != 0 {
                while recv(fds[socket], &buffer, buffer.count, 0) > 0 {
                    received += 1
                    inFlight[socket] -= 1
                    lastReply = now()
                    if sent < limit { send(socket) }
                }
            }
            if now() - lastReply > 0.1 {
                // Lost datagrams: start the windows again.
                for socket in 0..<sockets {
                    inFlight[socket] = 0
                    for _ in 0..<window where sent < limit { send(socket) }
                }
                lastReply = now()
            }
        }
        let elapsed = now() - start
        return (Double(received) / elapsed, sent - received)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func readFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 8192)
    let count = read(fd, &buffer, buffer.count)
    return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
}

/// VmRSS of a process in KiB.
func rss(_ pid: pid_t) -> Int {
    for line in readFile("/proc/\(pid)/status").split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return 0
}

func spawn(_ arguments: [String]) throws -> pid_t {
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, arguments[0], nil, nil, &argv, environ) == 0 else { throw BenchError("cannot start \(arguments[0])") }
    return pid
}

extension String {
    func trimmingCharacters() -> String { String(filter { !$0.isWhitespace }) }
}
