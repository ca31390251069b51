/// One entry of a tar archive.
public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file([UInt8])
        case directory
        case symlink(target: String)
    }

    /// The path inside the archive, without a leading `/` (directories without a trailing one).
    public var path: String
    public var kind: Kind
    /// Permission bits (and setuid/setgid/sticky).
    public var mode: UInt32
    public var uid: Int
    public var gid: Int
    /// Seconds since the epoch; 0 keeps archives reproducible.
    public var modificationTime: Int

    public init(path: String, kind: Kind, mode: UInt32? = nil, uid: Int = 0, gid: Int = 0, modificationTime: Int = 0) {
        self.path = path
        self.kind = kind
        self.mode = mode ?? {
            switch kind {
            case .file: 0o644
            case .directory: 0o755
            case .symlink: 0o777
            }
        }()
        self.uid = uid
        self.gid = gid
        self.modificationTime = modificationTime
    }

    public static func file(_ path: String, _ contents: [UInt8], mode: UInt32 = 0o644) -> TarEntry {
        TarEntry(path: path, kind: .file(contents), mode: mode)
    }
}

/// A problem writing or reading a tar archive.
public struct TarError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Writes POSIX ustar archives in memory. Names or link targets longer than ustar's fields, or
/// not ASCII, get a PAX extended header (`path=`, `linkpath=`), which every current tar reader
/// (Go's archive/tar in containerd included) understands.
public struct TarWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends `entry`; throws for an empty path, an absolute path or `..` components (a layer
    /// with those would write outside the root when unpacked by a careless reader).
    public mutating func append(_ entry: TarEntry) throws {
        guard !entry.path.isEmpty, !entry.path.hasPrefix("/"),
              !entry.path.split(separator: "/").contains("..") else {
            throw TarError("invalid tar path \"\(entry.path)\"")
        }
        guard entry.uid >= 0, entry.uid < 0o7777777, entry.gid >= 0, entry.gid < 0o7777777 else {
            throw TarError("\(entry.path): uid/gid out of range for ustar")
        }
        let name = entry.kind == .directory ? entry.path + "/" : entry.path
        var linkTarget = ""
        var size = 0
        var typeFlag: UInt8 = 0x30  // '0': regular file
        switch entry.kind {
        case .file(let contents): size = contents.count
        case .directory: typeFlag = 0x35  // '5'
        case .symlink(let target):
            typeFlag = 0x32  // '2'
            linkTarget = target
        }
        var pax: [(String, String)] = []
        if !Self.fits(name, 100) { pax.append(("path", name)) }
        if !Self.fits(linkTarget, 100) { pax.append(("linkpath", linkTarget)) }
        if !pax.isEmpty {
            let records = pax.flatMap { Self.paxRecord($0.0, $0.1) }
            bytes += header(name: "PaxHeaders/" + String(name.utf8.suffix(80).compactMap { $0 < 0x80 ? Character(UnicodeScalar($0)) : nil }),
                            mode: 0o644, uid: 0, gid: 0, size: records.count, mtime: entry.modificationTime,
                            typeFlag: 0x78 /* 'x' */, linkName: "")
            appendPadded(records)
        }
        bytes += header(name: Self.fits(name, 100) ? name : String(name.prefix(99)),
                        mode: entry.mode, uid: entry.uid, gid: entry.gid, size: size,
                        mtime: entry.modificationTime, typeFlag: typeFlag,
                        linkName: Self.fits(linkTarget, 100) ? linkTarget : "")
        if case .file(let contents) = entry.kind { appendPadded(contents) }
    }

    /// The archive with its two zero blocks of end marker.
    public func finished() -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: 1024)
    }

    private mutating func appendPadded(_ data: [UInt8]) {
        bytes += data
        let remainder = data.count % 512
        if remainder != 0 { bytes += [UInt8](repeating: 0, count: 512 - remainder) }
    }

    private static func fits(_ text: String, _ limit: Int) -> Bool {
        text.utf8.count < limit && text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// `"<length> <key>=<value>\n"`, where the length counts the whole record including itself.
    static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n".utf8.count
        var length = body + String(body).count
        if String(length).count != String(body).count { length = body + String(length).count }
        return Array("\(length) \(key)=\(value)\n".utf8)
    }

    private func header(name: String, mode: UInt32, uid: Int, gid: Int, size: Int, mtime: Int,
                        typeFlag: UInt8, linkName: String) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, width: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits, at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(Int(mode & 0o7777), at: 100, width: 8)
        octal(uid, at: 108, width: 8)
        octal(gid, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(mtime, at: 136, width: 12)
        block[156] = typeFlag
        put(linkName, at: 157, width: 100)
        put("ustar", at: 257, width: 6)  // "ustar\0"
        put("00", at: 263, width: 2)
        // The checksum is computed with its own field as spaces.
        for index in 148..<156 { block[index] = 0x20 }
        let sum = block.reduce(0) { $0 + Int($1) }
        let digits = String(sum, radix: 8)
        put(String(repeating: "0", count: max(0, 6 - digits.count)) + digits, at: 148, width: 6)
        block[154] = 0
        block[155] = 0x20
        return block
    }
}
