import Synchronization
import Testing
@testable import KubeStore
#if canImport(Glibc)
import Glibc
#endif

/// A directory under /tmp removed (with its files) when the test ends.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/kubestore-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    var databasePath: String { path + "/state.db" }

    deinit {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(dir)
        }
        rmdir(path)
    }
}

/// A settable wall clock, so retention can be tested without sleeping.
final class TestClock: Sendable {
    private let now = Mutex<Duration>(.seconds(1_700_000_000))

    func advance(by duration: Duration) { now.withLock { $0 += duration } }

    var read: @Sendable () -> Duration { { self.now.withLock { $0 } } }
}

func testOptions(clock: TestClock = TestClock()) -> SQLiteStore.Options {
    var options = SQLiteStore.Options()
    options.compactionInterval = nil
    options.clock = clock.read
    return options
}

func openStore(_ dir: TemporaryDirectory, _ options: SQLiteStore.Options = testOptions()) throws -> SQLiteStore {
    try SQLiteStore.open(path: dir.databasePath, options: options)
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func text(_ value: [UInt8]) -> String { String(decoding: value, as: UTF8.self) }

extension SQLiteStore {
    @discardableResult
    func create(_ key: String, _ value: String) async throws -> KeyValue {
        try await create(key) { _ in bytes(value) }
    }

    @discardableResult
    func put(_ key: String, _ value: String, expectedRevision: Int64? = nil) async throws -> KeyValue {
        try await update(key, expectedRevision: expectedRevision) { _, _ in bytes(value) }
    }
}

/// Reads exactly `count` events (fails the test if the stream ends early).
func take(_ count: Int, from iterator: inout AsyncThrowingStream<StoreEvent, Error>.AsyncIterator)
    async throws -> [StoreEvent] {
    var events: [StoreEvent] = []
    while events.count < count, let event = try await iterator.next() {
        events.append(event)
    }
    #expect(events.count == count, "stream ended after \(events.count) of \(count) events")
    return events
}

/// Elapsed wall time of `body`.
func measure(_ body: () async throws -> Void) async rethrows -> Duration {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    return clock.now - start
}

/// Copies a file byte for byte (to snapshot what is on disk at a given moment).
func copyFile(_ from: String, _ to: String) {
    guard let input = fopen(from, "rb") else { return }
    defer { fclose(input) }
    guard let output = fopen(to, "wb") else { return }
    defer { fclose(output) }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, input)
        if n == 0 { break }
        fwrite(buffer, 1, n, output)
    }
}
