#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwiftletSystem

/// An upstream resolver's address.
public struct Upstream: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int = 53) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The `nameserver` lines of a resolv.conf (resolv.conf(5)); other lines are ignored.
public enum ResolvConf {
    /// Parses resolv.conf text; addresses that are not IPs are skipped, a zone suffix (`%eth0`) kept.
    public static func parse(_ text: String) -> [Upstream] {
        var upstreams: [Upstream] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { continue }
            let value = String(fields[1])
            let address = value.split(separator: "%", maxSplits: 1).first.map(String.init) ?? value
            guard IPAddress(address) != nil else { continue }
            upstreams.append(Upstream(host: value))
        }
        return upstreams
    }

    /// Reads and parses a file; throws when it cannot be read.
    public static func load(path: String) throws -> [Upstream] {
        parse(try readTextFile(path))
    }

    static func readTextFile(_ path: String) throws -> String {
        do {
            return String(decoding: try WholeFile.read(path, limit: 1 << 20), as: UTF8.self)
        } catch .tooLarge {
            throw DNSConfigError("\(path) is larger than 1 MiB")
        } catch {
            throw DNSConfigError("cannot read \(path): \(error)")
        }
    }
}

/// A configuration problem of the DNS server (bad resolv.conf, bad address).
public struct DNSConfigError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
