import CRI
import FoundationEssentials
import Glibc
import KubeAPI

/// Turns the bytes of a CRI log file into what `kubectl logs` prints (upstream
/// `pkg/kubelet/kuberuntime/logs`): each record's content (a full `F` record gets its newline back,
/// a partial `P` one does not), records before `since` skipped, an optional time prefix, output
/// cut at `limitBytes`. Fed in chunks, so a follow can pass on what the runtime appends. Pure.
public struct ContainerLogFormatter: Sendable {
    public let options: PodLogOptions
    private var remaining: Int?
    /// The tail of the last chunk after its last newline: a record still being written.
    private var pending: [UInt8] = []

    public init(options: PodLogOptions) {
        self.options = options
        remaining = options.limitBytes
    }

    /// True once `limitBytes` bytes were produced: the caller stops (and ends a follow).
    public var isExhausted: Bool { remaining.map { $0 <= 0 } ?? false }

    /// The output for `chunk` (the next bytes of the file). Lines that are not CRI records are
    /// skipped, like upstream (which logs them).
    public mutating func consume(_ chunk: some Collection<UInt8>) -> [UInt8] {
        pending.append(contentsOf: chunk)
        guard let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        var output: [UInt8] = []
        var start = 0
        while start <= lastNewline, !isExhausted {
            let end = pending[start...lastNewline].firstIndex(of: UInt8(ascii: "\n")) ?? lastNewline
            append(record: pending[start..<end], to: &output)
            start = end + 1
        }
        pending.removeSubrange(0...lastNewline)
        return output
    }

    private mutating func append(record: ArraySlice<UInt8>, to output: inout [UInt8]) {
        guard let line = CRILogLine(parsing: String(decoding: record, as: UTF8.self)) else { return }
        let time = RFC3339Time(line.timestamp)
        if let since = options.since, let time, time.date < since { return }
        var bytes: [UInt8] = []
        if options.timestamps { bytes += Array(((time?.fixedNano ?? line.timestamp) + " ").utf8) }
        bytes += Array(line.content.utf8)
        if !line.isPartial { bytes.append(UInt8(ascii: "\n")) }
        if let left = remaining {
            if bytes.count > left { bytes.removeSubrange(left...) }
            remaining = left - bytes.count
        }
        output += bytes
    }

    /// Where the last `lines` records of `data` start (the whole file when it has fewer); a final
    /// record without its newline counts as one.
    public static func tailStart(of data: some BidirectionalCollection<UInt8>, lines: Int) -> Int {
        guard lines > 0 else { return data.count }
        var seen = 0
        var position = data.count
        var index = data.endIndex
        // A trailing newline ends the last record rather than starting an empty one.
        if index > data.startIndex, data[data.index(before: index)] == UInt8(ascii: "\n") {
            index = data.index(before: index)
            position -= 1
        }
        while index > data.startIndex {
            let previous = data.index(before: index)
            if data[previous] == UInt8(ascii: "\n") {
                seen += 1
                if seen == lines { return position }
            }
            index = previous
            position -= 1
        }
        return 0
    }
}
