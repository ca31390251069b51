import KubeAPI

/// Splits a watch response body into events. The server writes one JSON object per line; TCP (or
/// HTTP/2 DATA frames) may cut a line anywhere or carry several, so bytes are buffered until a
/// newline completes an event.
struct WatchDecoder: Sendable {
    private var buffer: [UInt8] = []
    /// Where the newline search resumes, so a long object arriving in many reads is scanned once.
    private var scanned = 0

    /// The events completed by `bytes`.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(KubeClientError) -> [WatchEvent] {
        buffer.append(contentsOf: bytes)
        var events: [WatchEvent] = []
        var start = 0
        var index = scanned
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") {
                if let event = try Self.event(buffer[start..<index]) { events.append(event) }
                start = index + 1
            }
            index += 1
        }
        if start > 0 { buffer.removeFirst(start) }
        scanned = buffer.count
        return events
    }

    /// Call at the end of the body: a last event without a trailing newline, or an error for a
    /// truncated one.
    mutating func finish() throws(KubeClientError) -> WatchEvent? {
        defer { buffer = []; scanned = 0 }
        return try Self.event(buffer[...])
    }

    static func event(_ line: ArraySlice<UInt8>) throws(KubeClientError) -> WatchEvent? {
        // Blank lines (keep-alive padding) carry nothing.
        guard line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { return nil }
        let json: JSON
        do { json = try JSON(parsing: line) } catch {
            throw KubeClientError(.badResponse, "watch stream: \(error)")
        }
        guard let typeName = json["type"].stringValue else {
            throw KubeClientError(.badResponse, "watch stream: event without a type")
        }
        guard let type = WatchEventType(rawValue: typeName) else {
            throw KubeClientError(.badResponse, "watch stream: unknown event type \"\(typeName)\"")
        }
        guard json["object"].objectValue != nil else {
            throw KubeClientError(.badResponse, "watch stream: \(typeName) event without an object")
        }
        return WatchEvent(type: type, object: json["object"])
    }
}
