import SwiftletSystem

/// Reads the regular files of a tar archive (ustar, GNU long names and PAX `path=`), enough to
/// find `index.json` or `manifest.json` in an image archive. Bounds-checked: a truncated or
/// corrupt archive is a `TarError`, never a crash.
public enum TarReader {
    /// The regular files whose path `wanted` accepts, by path (a leading `./` removed).
    public static func files(in archive: [UInt8], where wanted: (String) -> Bool) throws -> [String: [UInt8]] {
        try files(size: archive.count, where: wanted) { offset, count in Array(archive[offset..<offset + count]) }
    }

    /// The same for a file on disk, read piece by piece (image archives can be large); files that
    /// `wanted` accepts must be under 64 MiB (they are JSON documents).
    public static func files(atPath path: String, where wanted: (String) -> Bool) throws -> [String: [UInt8]] {
        let file: ReadOnlyFile
        let size: Int
        do {
            file = try ReadOnlyFile(path: path)
            size = try file.size()
        } catch {
            throw TarError("cannot open \(path)")
        }
        return try files(size: size, where: wanted) { offset, count in
            let bytes: [UInt8]
            do { bytes = try file.read(at: offset, count: count) } catch { throw TarError("cannot read \(path): \(error)") }
            guard bytes.count == count else { throw TarError("short read in \(path)") }
            return bytes
        }
    }

    static func files(size total: Int, where wanted: (String) -> Bool,
                      read: (_ offset: Int, _ count: Int) throws -> [UInt8]) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        var offset = 0
        var pendingName: String?
        var sawEnd = false
        while offset + 512 <= total {
            let header = ArraySlice(try read(offset, 512))
            if header.allSatisfy({ $0 == 0 }) {
                sawEnd = true
                break
            }
            guard checksumMatches(header) else { throw TarError("not a tar archive (bad header checksum at byte \(offset))") }
            let size = try number(header, 124, 12)
            let type = header[header.startIndex + 156]
            let dataStart = offset + 512
            guard size >= 0, dataStart + size <= total else {
                throw TarError("truncated tar archive (entry at byte \(offset) needs \(size) bytes)")
            }
            switch type {
            case 0x4C, 0x78:  // 'L': GNU long name, 'x': PAX header, both for the next entry
                guard size <= 1 << 20 else { throw TarError("oversized tar extension header at byte \(offset)") }
                let data = try read(dataStart, size)
                pendingName = type == 0x4C ? String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                    : (paxPath(data) ?? pendingName)
            default:
                var name = pendingName ?? ustarName(header)
                pendingName = nil
                while name.hasPrefix("./") { name.removeFirst(2) }
                if type == 0x30 || type == 0, wanted(name) {
                    guard size <= 64 << 20 else { throw TarError("\(name) is too large (\(size) bytes)") }
                    result[name] = try read(dataStart, size)
                }
            }
            offset = dataStart + (size + 511) / 512 * 512
        }
        guard offset > 0 else {
            throw TarError(total == 0 ? "empty file" : sawEnd ? "empty tar archive" : "not a tar archive (shorter than one header)")
        }
        guard sawEnd || offset == total else { throw TarError("truncated tar archive") }
        return result
    }

    private static func ustarName(_ header: ArraySlice<UInt8>) -> String {
        let base = header.startIndex
        let name = String(decoding: header[base..<base + 100].prefix { $0 != 0 }, as: UTF8.self)
        let magic = header[base + 257..<base + 262]
        guard Array(magic) == Array("ustar".utf8) else { return name }
        let prefix = String(decoding: header[base + 345..<base + 500].prefix { $0 != 0 }, as: UTF8.self)
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private static func number(_ header: ArraySlice<UInt8>, _ offset: Int, _ width: Int) throws -> Int {
        let field = header[header.startIndex + offset..<header.startIndex + offset + width]
        let text = String(decoding: field.prefix { $0 != 0 && $0 != 0x20 }.drop { $0 == 0x20 }, as: UTF8.self)
        if text.isEmpty { return 0 }
        guard let value = Int(text, radix: 8) else { throw TarError("not a tar archive (bad number field)") }
        return value
    }

    private static func checksumMatches(_ header: ArraySlice<UInt8>) -> Bool {
        guard let stored = try? number(header, 148, 8) else { return false }
        var sum = 0
        for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 0x20 : Int(byte) }
        return sum == stored
    }

    private static func paxPath(_ records: [UInt8]) -> String? {
        var index = 0
        var path: String?
        while index < records.count {
            guard let space = records[index...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: records[index..<space], as: UTF8.self)), length > 0,
                  index + length <= records.count else { return path }
            let record = String(decoding: records[(space + 1)..<(index + length - 1)], as: UTF8.self)
            if record.hasPrefix("path=") { path = String(record.dropFirst(5)) }
            index += length
        }
        return path
    }
}
