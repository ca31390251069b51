import KubeHTTP
import NIOHTTP1
@testable import NodeAgent
import Testing

/// The kubelet's streaming routes, options, the v5 -> v4 subprotocol shim and runtime URLs.
struct KubeletStreamingTests {
    @Test(arguments: [
        ("/exec/ns/p/c", KubeletStreamRoute.exec(namespace: "ns", pod: "p", container: "c")),
        ("/exec/ns/p/uid-1/c", .exec(namespace: "ns", pod: "p", container: "c")),
        ("/attach/ns/p/c", .attach(namespace: "ns", pod: "p", container: "c")),
        ("/portForward/ns/p", .portForward(namespace: "ns", pod: "p")),
        ("/exec/ns/p", nil), ("/portforward/ns/p", nil), ("/pods", nil), ("/exec/a/b/c/d/e", nil),
    ] as [(String, KubeletStreamRoute?)])
    func routes(path: String, expected: KubeletStreamRoute?) {
        #expect(KubeletStreamRoute(path: path[...]) == expected)
    }

    @Test func optionsFromQuery() {
        let options = StreamOptions(query: [("command", "ls"), ("command", "-l"), ("input", "1"), ("output", "1"),
                                            ("error", "1"), ("tty", "1")])
        #expect(options.command == ["ls", "-l"])
        #expect(options.stdin && options.stdout && options.tty)
        #expect(!options.stderr, "a terminal has no separate stderr")
    }

    @Test func v5OnlyOfferIsSentAsV4AndAnsweredAsV5() {
        let (headers, rewrite) = ChannelProtocolShim.requestHeaders(["Sec-WebSocket-Protocol": "v5.channel.k8s.io"])
        #expect(headers[canonicalForm: "Sec-WebSocket-Protocol"] == ["v4.channel.k8s.io"])
        #expect(rewrite)
        var answer = HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: ["Sec-WebSocket-Protocol": "v4.channel.k8s.io"])
        ChannelProtocolShim.rewriteAnswer(&answer)
        #expect(answer.headers.first(name: "Sec-WebSocket-Protocol") == "v5.channel.k8s.io")
    }

    @Test func offersWithV4KeepIt() {
        let (headers, rewrite) = ChannelProtocolShim.requestHeaders(["Sec-WebSocket-Protocol": "v5.channel.k8s.io,v4.channel.k8s.io"])
        #expect(headers[canonicalForm: "Sec-WebSocket-Protocol"] == ["v4.channel.k8s.io"])
        #expect(!rewrite, "the client accepts v4 itself")
        let (spdy, none) = ChannelProtocolShim.requestHeaders(["X-Stream-Protocol-Version": "v4.channel.k8s.io"])
        #expect(spdy.first(name: "X-Stream-Protocol-Version") == "v4.channel.k8s.io" && !none)
    }

    @Test func streamingURLs() throws {
        let url = try StreamingURL("http://127.0.0.1:43567/exec/AbC")
        #expect(url == StreamingURL(host: "127.0.0.1", port: 43567, pathAndQuery: "/exec/AbC"))
        #expect(try StreamingURL("http://[::1]:80/x").hostHeader == "[::1]:80")
        #expect(throws: (any Error).self) { try StreamingURL("https://127.0.0.1:1/x") }
        #expect(throws: (any Error).self) { try StreamingURL("http://127.0.0.1:port/x") }
    }

    @Test func forwardPortsAreChecked() throws {
        #expect(try NodeAgent.forwardPorts([("port", "80"), ("port", "8080,9090")]) == [80, 8080, 9090])
        #expect(throws: (any Error).self) { try NodeAgent.forwardPorts([("port", "0")]) }
        #expect(throws: (any Error).self) { try NodeAgent.forwardPorts([("port", "x")]) }
    }
}
