#if canImport(Glibc)
import Glibc
#endif
@testable import ClusterDNS

/// Blocking loopback DNS exchanges for the tests (a 3 s receive timeout: a lost reply fails the
/// test instead of hanging it).
enum LoopbackClient {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func socketAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    static func withSocket<T>(_ type: Int32, _ body: (Int32) throws -> T) throws -> T {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return try body(fd)
    }

    static func udp(_ query: DNSMessage, port: Int) throws -> [UInt8] {
        try withSocket(Int32(SOCK_DGRAM.rawValue)) { fd in
            var address = socketAddress(port: port)
            let bytes = query.serialized()
            let sent = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard sent == bytes.count else { throw Failure(description: "sendto: errno \(errno)") }
            var buffer = [UInt8](repeating: 0, count: 65535)
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { throw Failure(description: "no UDP reply (errno \(errno))") }
            return Array(buffer[0..<count])
        }
    }

    /// Sends every query on one connection, then reads as many framed replies.
    static func tcp(_ queries: [DNSMessage], port: Int) throws -> [[UInt8]] {
        try withSocket(Int32(SOCK_STREAM.rawValue)) { fd in
            var address = socketAddress(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw Failure(description: "connect: errno \(errno)") }
            var out: [UInt8] = []
            for query in queries {
                let bytes = query.serialized()
                out += [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
            }
            guard send(fd, out, out.count, 0) == out.count else { throw Failure(description: "send: errno \(errno)") }
            var replies: [[UInt8]] = []
            for _ in queries {
                let header = try readExactly(fd, 2)
                replies.append(try readExactly(fd, Int(header[0]) << 8 | Int(header[1])))
            }
            return replies
        }
    }

    static func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: count)
        while data.count < count {
            let got = recv(fd, &buffer, count - data.count, 0)
            guard got > 0 else { throw Failure(description: "TCP read ended after \(data.count) of \(count) bytes") }
            data += buffer[0..<got]
        }
        return data
    }

    static func query(_ name: String, _ type: RRType, id: UInt16 = 77, edns: UInt16? = nil) -> DNSMessage {
        var message = DNSMessage()
        message.id = id
        message.recursionDesired = true
        message.questions = [DNSQuestion(name: DNSName(name), type: type)]
        if let edns { message.edns = EDNS(udpPayloadSize: edns) }
        return message
    }
}
