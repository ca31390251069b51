import Logging
import Synchronization

/// Holds the current zone snapshot; the informer side swaps in a new one, queries read it.
public final class ZoneStore: Sendable {
    private let current: Mutex<ClusterZone>
    public init(_ zone: ClusterZone) { current = Mutex(zone) }
    public var zone: ClusterZone { current.withLock { $0 } }
    public func replace(_ zone: ClusterZone) { current.withLock { $0 = zone } }
}

/// Turns a query packet into a reply packet: the cluster zone answers its names at once, the
/// cache answers forwarded names it holds, and the rest waits for the forwarder.
public final class DNSResolver: Sendable {
    public enum Transport: Sendable {
        case udp
        case tcp
    }

    /// What to do with a packet.
    public enum Outcome: Sendable {
        /// Send these bytes now.
        case reply([UInt8])
        /// Run this (forwarding) and send what it returns, if anything.
        case deferred(@Sendable () async -> [UInt8]?)
        /// Send nothing (responses, packets too broken to answer).
        case drop
    }

    public let zones: ZoneStore
    public let cache: DNSCache
    public let forwarder: Forwarder?
    /// The UDP payload size this server advertises in EDNS.
    public static let advertisedUDPSize: UInt16 = 1232
    let logger: Logger
    /// Forwards waiting for upstream; past `maxPendingForwards` new ones get SERVFAIL at once, so a
    /// dead upstream under load cannot pile up tasks and sockets without bound.
    private let pendingForwards = Atomic<Int>(0)
    public static let maxPendingForwards = 1_000

    public init(zones: ZoneStore, cache: DNSCache, forwarder: Forwarder?, logger: Logger = Logger(label: "swiftlet-dns")) {
        self.zones = zones
        self.cache = cache
        self.forwarder = forwarder
        self.logger = logger
    }

    /// Handles one packet as received over `transport`.
    public func handle(_ packet: [UInt8], transport: Transport) -> Outcome {
        let query: DNSMessage
        do {
            query = try DNSMessage(parsing: packet)
        } catch {
            // A parsable header from a client gets FORMERR; anything else is dropped.
            guard let header = DNSMessage.header(of: packet), !header.isResponse else { return .drop }
            var reply = DNSMessage()
            reply.id = header.id
            reply.isResponse = true
            reply.opcode = header.opcode
            reply.rcode = DNSRcode.formatError
            return .reply(reply.serialized())
        }
        guard !query.isResponse else { return .drop }
        let limit = Self.sizeLimit(query, transport: transport)
        var reply = query.reply()
        reply.recursionAvailable = true
        if query.edns != nil { reply.edns = EDNS(udpPayloadSize: Self.advertisedUDPSize) }
        guard query.opcode == 0 else {
            reply.rcode = DNSRcode.notImplemented
            return .reply(reply.serialized(limit: limit))
        }
        guard query.questions.count == 1, let question = query.questions.first else {
            reply.rcode = DNSRcode.formatError
            return .reply(reply.serialized(limit: limit))
        }
        guard question.qclass == dnsClassIN else {
            reply.rcode = DNSRcode.refused
            return .reply(reply.serialized(limit: limit))
        }

        let skeleton = reply
        switch zones.zone.answer(question) {
        case .records(let answers, let additional):
            reply.authoritative = true
            reply.answers = answers
            reply.additional = additional
            return .reply(reply.serialized(limit: limit))
        case .noData(let soa):
            reply.authoritative = true
            reply.authority = [soa]
            return .reply(reply.serialized(limit: limit))
        case .nameError(let soa):
            reply.authoritative = true
            reply.rcode = DNSRcode.nameError
            reply.authority = [soa]
            return .reply(reply.serialized(limit: limit))
        case .notReady:
            reply.rcode = DNSRcode.serverFailure
            return .reply(reply.serialized(limit: limit))
        case .alias(let cname, let target):
            // The CNAME comes from the zone; the target's records from upstream (as CoreDNS does).
            let follow = DNSQuestion(name: target, type: question.type)
            if let cached = cache.get(follow) { return .reply(Self.fill(reply, Self.behindAlias(cached), prefix: [cname]).serialized(limit: limit)) }
            return .deferred { [self] in
                let answer = await forward(follow)
                return Self.fill(skeleton, Self.behindAlias(answer), prefix: [cname]).serialized(limit: limit)
            }
        case .outside:
            if let cached = cache.get(question) { return .reply(Self.fill(reply, cached).serialized(limit: limit)) }
            return .deferred { [self] in
                let answer = await forward(question)
                return Self.fill(skeleton, answer).serialized(limit: limit)
            }
        }
    }

    /// Asks upstream (through the cache); a failure is SERVFAIL, which is not cached.
    func forward(_ question: DNSQuestion) async -> CachedAnswer {
        guard let forwarder else { return CachedAnswer(rcode: DNSRcode.serverFailure) }
        guard pendingForwards.wrappingAdd(1, ordering: .relaxed).newValue <= Self.maxPendingForwards else {
            pendingForwards.wrappingSubtract(1, ordering: .relaxed)
            return CachedAnswer(rcode: DNSRcode.serverFailure)
        }
        defer { pendingForwards.wrappingSubtract(1, ordering: .relaxed) }
        do {
            let upstream = try await forwarder.resolve(question)
            let answer = CachedAnswer(rcode: upstream.rcode, answers: upstream.answers, authority: upstream.authority,
                                      additional: upstream.additional)
            cache.put(question, answer)
            return answer
        } catch {
            logger.debug("forwarding failed", metadata: ["name": "\(question.name)", "error": "\(error)"])
            return CachedAnswer(rcode: DNSRcode.serverFailure)
        }
    }

    /// What an ExternalName's target adds to its CNAME: its records when it has some, else nothing
    /// (CoreDNS answers NOERROR with the CNAME alone when the target fails or does not exist).
    static func behindAlias(_ answer: CachedAnswer) -> CachedAnswer {
        guard answer.rcode == DNSRcode.noError else { return CachedAnswer(rcode: DNSRcode.noError) }
        return answer
    }

    static func fill(_ skeleton: DNSMessage, _ answer: CachedAnswer, prefix: [ResourceRecord] = []) -> DNSMessage {
        var reply = skeleton
        reply.rcode = answer.rcode
        reply.answers = prefix + answer.answers
        reply.authority = answer.authority
        reply.additional = answer.additional
        return reply
    }

    /// TCP: the 16-bit frame's limit. UDP: 512 bytes, or the client's EDNS size (up to ours).
    static func sizeLimit(_ query: DNSMessage, transport: Transport) -> Int {
        switch transport {
        case .tcp: return 65535
        case .udp:
            guard let edns = query.edns else { return 512 }
            return Int(min(max(edns.udpPayloadSize, 512), max(advertisedUDPSize, 512)))
        }
    }
}
