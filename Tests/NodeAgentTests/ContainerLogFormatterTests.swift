import Foundation
import KubeAPI
import Testing
@testable import NodeAgent

@Suite struct ContainerLogFormatterTests {
    static let file = """
        2026-11-28T16:56:28.779489969Z stdout F one
        2026-11-28T16:56:29.5Z stderr F two words
        2026-11-28T16:56:30Z stdout P par
        2026-11-28T16:56:30.000000001Z stdout F tial
        not a cri line
        2026-11-28T18:56:31.25+02:00 stdout F four

        """

    static func options(_ configure: (inout PodLogOptions) -> Void) -> PodLogOptions {
        var o = PodLogOptions()
        configure(&o)
        return o
    }

    static let cases: [(name: String, options: PodLogOptions, expected: String)] = [
        ("plain", PodLogOptions(), "one\ntwo words\npartial\nfour\n"),
        ("timestamps", options { $0.timestamps = true },
         "2026-11-28T16:56:28.779489969Z one\n2026-11-28T16:56:29.500000000Z two words\n"
            + "2026-11-28T16:56:30.000000000Z par2026-11-28T16:56:30.000000001Z tial\n"
            + "2026-11-28T18:56:31.250000000+02:00 four\n"),
        ("since drops earlier records", options { $0.since = RFC3339Time("2026-11-28T16:56:29.6Z")!.date }, "partial\nfour\n"),
        ("since with an offset zone", options { $0.since = RFC3339Time("2026-11-28T16:56:31Z")!.date }, "four\n"),
        ("limitBytes cuts mid record", options { $0.limitBytes = 6 }, "one\ntw"),
        ("limitBytes counts the prefix", options { $0.limitBytes = 32; $0.timestamps = true }, "2026-11-28T16:56:28.779489969Z o"),
    ]

    @Test(arguments: cases.indices)
    func formatsTheFile(_ index: Int) {
        let entry = Self.cases[index]
        var formatter = ContainerLogFormatter(options: entry.options)
        let output = formatter.consume(Array(Self.file.utf8))
        #expect(String(decoding: output, as: UTF8.self) == entry.expected, "\(entry.name)")
    }

    @Test func chunksSplitAnywhereGiveTheSameOutput() {
        let bytes = Array(Self.file.utf8)
        for size in [1, 3, 7, 50] {
            var formatter = ContainerLogFormatter(options: PodLogOptions())
            var output: [UInt8] = []
            var start = 0
            while start < bytes.count {
                output += formatter.consume(bytes[start..<min(bytes.count, start + size)])
                start += size
            }
            #expect(String(decoding: output, as: UTF8.self) == "one\ntwo words\npartial\nfour\n", "chunk size \(size)")
        }
        // A record without its newline yet is held back until the rest arrives.
        var formatter = ContainerLogFormatter(options: PodLogOptions())
        #expect(formatter.consume(Array("2026-11-28T16:56:28Z stdout F hal".utf8)).isEmpty)
        #expect(formatter.consume(Array("f\n".utf8)) == Array("half\n".utf8))
    }

    @Test(arguments: [(0, "d\n"), (1, "d\n"), (2, "c\nd\n"), (4, "a\nb\nc\nd\n"), (9, "a\nb\nc\nd\n")])
    func tailStart(_ entry: (lines: Int, expected: String)) {
        for text in ["a\nb\nc\nd\n", "a\nb\nc\nd"] {
            let data = Array(text.utf8)
            let start = ContainerLogFormatter.tailStart(of: data, lines: entry.lines)
            let expected = entry.lines == 0 ? "" : (text.hasSuffix("\n") ? entry.expected : String(entry.expected.dropLast()))
            #expect(String(decoding: data[start...], as: UTF8.self) == expected, "\(entry.lines) of \(text.debugDescription)")
        }
        #expect(ContainerLogFormatter.tailStart(of: [UInt8](), lines: 3) == 0)
    }
}

@Suite struct PodLogOptionsTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func parsesEveryParameter() throws {
        let o = try PodLogOptions(query: [("follow", "true"), ("tailLines", "10"), ("timestamps", "1"), ("previous", "false"),
                                          ("limitBytes", "100"), ("sinceSeconds", "60"), ("container", "x")], now: Self.now)
        #expect(o.follow && o.timestamps && !o.previous)
        #expect(o.tailLines == 10 && o.limitBytes == 100)
        #expect(o.since == Self.now.addingTimeInterval(-60))
        #expect(o.queryString == "follow=true&timestamps=true&tailLines=10&limitBytes=100&sinceTime=2027-01-15T07:59:00.000000000Z")
        let t = try PodLogOptions(query: [("sinceTime", "2026-11-28T16:56:28Z")])
        #expect(t.since == Date(timeIntervalSince1970: 1_795_884_988))
    }

    @Test(arguments: [
        [("tailLines", "-1")], [("limitBytes", "0")], [("sinceSeconds", "0")], [("tailLines", "x")],
        [("follow", "maybe")], [("sinceTime", "yesterday")], [("sinceTime", "2026-13-01T00:00:00Z")],
        [("sinceSeconds", "5"), ("sinceTime", "2026-11-28T16:56:28Z")],
    ])
    func badValuesAreClientErrors(_ query: [(String, String)]) {
        do {
            _ = try PodLogOptions(query: query.map { (name: $0.0, value: $0.1) })
            Issue.record("accepted \(query)")
        } catch {
            #expect(error.code == 400 || error.code == 422, "\(error)")
        }
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0), ("2000-02-29T12:00:00.5Z", 951_825_600.5), ("2026-11-28T18:56:28+02:00", 1_795_884_988),
        ("1969-12-31T23:59:59Z", -1),
    ])
    func rfc3339(_ entry: (text: String, seconds: Double)) throws {
        let time = try #require(RFC3339Time(entry.text))
        #expect(time.date.timeIntervalSince1970 == entry.seconds)
        #expect(RFC3339Time(RFC3339Time.format(time.date))?.date == time.date)
    }
}

@Suite struct KubeletLogSelectionTests {
    static func observed(_ state: ContainerObservation.State, last: String? = nil) -> ContainerObservation {
        ContainerObservation(name: "c", state: state,
                             lastTerminated: last.map { TerminatedState(exitCode: 1, reason: "Error", containerID: "containerd://\($0)") },
                             image: "i")
    }

    @Test func picksTheRunUpstreamWould() throws {
        let running = Self.observed(.running(containerID: "containerd://new", startedAt: Date()), last: "old")
        #expect(try KubeletAPI.logContainerID(running, container: "c", pod: "p", previous: false) == "new")
        #expect(try KubeletAPI.logContainerID(running, container: "c", pod: "p", previous: true) == "old")
        let backoff = Self.observed(.waiting(reason: "CrashLoopBackOff", message: nil), last: "old")
        #expect(try KubeletAPI.logContainerID(backoff, container: "c", pod: "p", previous: false) == "old")
        let done = Self.observed(.terminated(TerminatedState(exitCode: 0, reason: "Completed", containerID: "containerd://done")))
        #expect(try KubeletAPI.logContainerID(done, container: "c", pod: "p", previous: false) == "done")
    }

    @Test(arguments: [
        (ContainerObservation.State.waiting(reason: "ContainerCreating", message: nil), false,
         "container \"c\" in pod \"p\" is waiting to start: ContainerCreating"),
        (.waiting(reason: "ErrImagePull", message: nil), false, "container \"c\" in pod \"p\" is waiting to start: image can't be pulled"),
        (.running(containerID: "containerd://x", startedAt: Date()), true, "previous terminated container \"c\" in pod \"p\" not found"),
    ])
    func refusesWithUpstreamsMessages(_ entry: (state: ContainerObservation.State, previous: Bool, message: String)) {
        do {
            _ = try KubeletAPI.logContainerID(Self.observed(entry.state), container: "c", pod: "p", previous: entry.previous)
            Issue.record("no error")
        } catch {
            #expect(error.code == 400)
            #expect(error.message == entry.message)
        }
    }
}
