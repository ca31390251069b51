import Glibc
import SwiftletSystem
import Testing

/// PathName against NSString's answers, ReadOnlyFile and WholeFile.text against real files.
struct FileAndPathTests {
    // (path, NSString.deletingLastPathComponent, NSString.lastPathComponent)
    @Test(arguments: [
        ("/a/b/c", "/a/b", "c"), ("/a/b/", "/a", "b"), ("/a", "/", "a"), ("/", "/", "/"),
        ("a", "", "a"), ("a/b", "a", "b"), ("", "", ""), ("/var/log/pods/x/0.log", "/var/log/pods/x", "0.log"),
        ("//", "/", "/"), ("/a//", "/", "a"),
    ])
    func pathNames(path: String, directory: String, last: String) {
        #expect(PathName.directory(of: path) == directory)
        #expect(PathName.lastComponent(of: path) == last)
    }

    @Test func hexDigits() {
        #expect(lowercaseHex([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(lowercaseHex([UInt8]()) == "")
    }

    @Test func readsPieceByPieceAndAtOffsets() throws {
        let path = "/tmp/swiftlet-readonly-\(getpid())"
        defer { unlink(path) }
        let content = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = content.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }

        let file = try ReadOnlyFile(path: path)
        #expect(try file.size() == 100_000)
        #expect(try file.read(upTo: 10) == Array(content[0..<10]))
        #expect(try file.read(at: 99_990, count: 50) == Array(content[99_990...]))
        // A positional read does not move the sequential position.
        #expect(try file.read(upTo: 5) == Array(content[10..<15]))
        try file.seek(to: 60_000)
        #expect(try file.readToEnd() == Array(content[60_000...]))
        #expect(try file.read(upTo: 10).isEmpty)
        // What is appended later is read on (a followed log).
        _ = [UInt8]([1, 2, 3]).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        #expect(try file.read(upTo: 10) == [1, 2, 3])

        #expect(throws: WholeFile.ReadError.system(ENOENT)) { try ReadOnlyFile(path: path + ".missing") }
    }

    @Test func textIsNilForMissingOrInvalidFiles() {
        let path = "/tmp/swiftlet-text-\(getpid())"
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = [UInt8]([0x68, 0x69, 0x0a]).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        #expect(WholeFile.text(path) == "hi\n")
        #expect(WholeFile.text(path + ".missing") == nil)
        let bad = open(path, O_WRONLY | O_TRUNC)
        _ = [UInt8]([0xff, 0xfe]).withUnsafeBytes { write(bad, $0.baseAddress, $0.count) }
        close(bad)
        #expect(WholeFile.text(path) == nil)
        #expect(WholeFile.text("/proc/self/status")?.hasPrefix("Name:") == true)
    }
}
