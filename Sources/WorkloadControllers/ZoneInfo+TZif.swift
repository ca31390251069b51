
/// TZif parsing (RFC 8536; tzfile(5)). Every read is bounds-checked: a truncated or corrupt file
/// yields nil, never a trap.
extension ZoneInfo {
    /// Go refuses zone files above 10 MiB; real ones are a few KiB.
    static let maxFileSize = 10 << 20

    /// A cursor over the file's bytes; each read fails (nil) instead of running past the end.
    struct ByteReader {
        let bytes: [UInt8]
        var offset = 0

        var remaining: Int { bytes.count - offset }

        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, count <= remaining else { return nil }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }

        mutating func uint32() -> UInt32? {
            guard let raw = take(4) else { return nil }
            return raw.reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func int64() -> Int64? {
            guard let raw = take(8) else { return nil }
            return Int64(bitPattern: raw.reduce(0) { $0 << 8 | UInt64($1) })
        }
    }

    /// The six counts of a TZif header, in file order.
    struct Header {
        var isutcCount, isstdCount, leapCount, timeCount, typeCount, charCount: Int

        /// Bytes of the data block that follows this header, for `timeSize`-byte times.
        func dataSize(timeSize: Int) -> Int {
            timeCount * timeSize + timeCount + typeCount * 6 + charCount
                + leapCount * (timeSize + 4) + isstdCount + isutcCount
        }
    }

    /// Reads a header: magic, version (returned as 1, 2, 3 or 4), 15 reserved bytes, six counts.
    static func readHeader(_ reader: inout ByteReader) -> (version: Int, header: Header)? {
        guard let magic = reader.take(4), magic.elementsEqual("TZif".utf8),
              let versionByte = reader.take(16)?.first else { return nil }
        let version: Int
        switch versionByte {
        case 0: version = 1
        // Go stops at 3; version 4 only changes how leap-second records may be truncated, which a
        // reader that skips them (Go, us) does not notice, so accept it rather than reject new files.
        case UInt8(ascii: "2")...UInt8(ascii: "4"): version = Int(versionByte - UInt8(ascii: "0"))
        default: return nil
        }
        var counts: [Int] = []
        for _ in 0..<6 {
            guard let count = reader.uint32() else { return nil }
            counts.append(Int(count))
        }
        let header = Header(isutcCount: counts[0], isstdCount: counts[1], leapCount: counts[2],
                            timeCount: counts[3], typeCount: counts[4], charCount: counts[5])
        // RFC 8536: at least one type, at most 256 (indexes are bytes), and the indicator arrays are
        // either absent or one per type.
        guard (1...256).contains(header.typeCount),
              header.isstdCount == 0 || header.isstdCount == header.typeCount,
              header.isutcCount == 0 || header.isutcCount == header.typeCount else { return nil }
        return (version, header)
    }

    /// Parses TZif `bytes` into a zone named `identifier`; nil when the data is malformed.
    static func parse(identifier: String, _ bytes: [UInt8]) -> ZoneInfo? {
        var reader = ByteReader(bytes: bytes)
        guard let first = readHeader(&reader) else { return nil }
        let version = first.version
        var header = first.header
        var timeSize = 4
        if version >= 2 {
            // Version 2+ repeats everything with 64-bit times after the v1 block; only that second
            // block can describe instants outside 1901-2038, so skip the first entirely.
            guard reader.take(header.dataSize(timeSize: 4)) != nil,
                  let second = readHeader(&reader), second.version == version else { return nil }
            header = second.header
            timeSize = 8
        }
        guard header.dataSize(timeSize: timeSize) <= reader.remaining else { return nil }

        var transitions: [Int64] = []
        transitions.reserveCapacity(header.timeCount)
        for _ in 0..<header.timeCount {
            let when: Int64?
            if timeSize == 8 { when = reader.int64() } else { when = reader.uint32().map { Int64(Int32(bitPattern: $0)) } }
            guard let when else { return nil }
            // Binary search needs ascending instants; RFC 8536 requires them.
            if let last = transitions.last, when <= last { return nil }
            transitions.append(when)
        }
        guard let indexBytes = reader.take(header.timeCount) else { return nil }
        let typeIndexes = Array(indexBytes)
        guard typeIndexes.allSatisfy({ Int($0) < header.typeCount }) else { return nil }

        var types: [LocalTimeType] = []
        types.reserveCapacity(header.typeCount)
        for _ in 0..<header.typeCount {
            guard let utoff = reader.uint32(), let flags = reader.take(2) else { return nil }
            let offset = Int32(bitPattern: utoff)
            // RFC 8536 forbids -2^31 (its negation overflows); the abbreviation index must point
            // into the abbreviation bytes, as Go checks.
            guard offset != Int32.min, Int(flags[flags.startIndex + 1]) < header.charCount else { return nil }
            types.append(LocalTimeType(utoff: offset, isDST: flags[flags.startIndex] != 0))
        }
        // Abbreviations, leap seconds, standard/wall and UT/local indicators: unused by Go's look-up.
        let skipped = header.charCount + header.leapCount * (timeSize + 4) + header.isstdCount + header.isutcCount
        guard reader.take(skipped) != nil else { return nil }

        var rule: PosixRule?
        if version >= 2 {
            // RFC 8536 requires the footer "\n<TZ string>\n" (the string may be empty). Go tolerates
            // a missing or unparsable one; we reject it, since it only happens to a truncated or
            // corrupt file, and a file cut inside its footer would silently lose all future rules.
            let rest = bytes[reader.offset...]
            guard rest.count >= 2, rest.first == 0x0A, rest.last == 0x0A else { return nil }
            let text = rest.dropFirst().dropLast()
            guard !text.contains(0x0A) else { return nil }
            if !text.isEmpty {
                guard let parsed = PosixRule(parsing: text) else { return nil }
                rule = parsed
            }
        }
        return ZoneInfo(identifier: identifier, transitions: transitions, typeIndexes: typeIndexes,
                        types: types, rule: rule)
    }
}
