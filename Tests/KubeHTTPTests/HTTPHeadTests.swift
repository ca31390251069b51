import KubeHTTP
import NIOCore
import NIOHTTP1
import Testing

/// The HTTP/1.1 heads written and read at the two ends of an upgrade.
struct HTTPHeadTests {
    @Test func responseHeadRoundTrips() throws {
        let head = HTTPResponseHead(version: .http1_1, status: .switchingProtocols,
                                    headers: ["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Protocol": "v5.channel.k8s.io"])
        let bytes = HTTPHead.serialize(head)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"))
        #expect(HTTPHead.endOfHead(in: ByteBuffer(bytes: bytes)) == bytes.count)
        let parsed = try HTTPHead.parseResponse(bytes)
        #expect(parsed.status == .switchingProtocols)
        #expect(parsed.headers.first(name: "sec-websocket-protocol") == "v5.channel.k8s.io")
    }

    @Test func requestHeadIsSerializedAsSent() {
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/exec/ns/p/c?command=ls",
                                   headers: ["Host": "node:10250", "Upgrade": "SPDY/3.1"])
        #expect(String(decoding: HTTPHead.serialize(head), as: UTF8.self)
            == "POST /exec/ns/p/c?command=ls HTTP/1.1\r\nHost: node:10250\r\nUpgrade: SPDY/3.1\r\n\r\n")
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\n\r\nbody", 19),
        ("HTTP/1.1 200 OK\r\nA: b\r\n", nil),
        ("HTTP/1.1 200 OK\r\n\r", nil),
        ("\r\r\n\r\n", 5),
    ] as [(String, Int?)])
    func endOfHead(text: String, expected: Int?) {
        #expect(HTTPHead.endOfHead(in: ByteBuffer(string: text)) == expected)
    }

    @Test(arguments: ["", "garbage\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "SPDY/3 200 OK\r\n\r\n"])
    func malformedResponsesAreErrors(text: String) {
        #expect(throws: RawConnectionError.self) { try HTTPHead.parseResponse(Array(text.utf8)) }
    }

    @Test func upgradeRequestDetection() {
        func request(_ headers: HTTPHeaders) -> HTTPServerRequest {
            HTTPServerRequest(method: .GET, uri: "/", headers: headers, body: ByteBuffer(), peer: PeerInfo(), isHTTP2: false)
        }
        #expect(request(["Connection": "Upgrade", "Upgrade": "websocket"]).isUpgradeRequest)
        #expect(request(["Connection": "keep-alive, upgrade", "Upgrade": "SPDY/3.1"]).isUpgradeRequest)
        #expect(!request(["Upgrade": "websocket"]).isUpgradeRequest)
        #expect(!request(["Connection": "Upgrade"]).isUpgradeRequest)
    }

    @Test func backendHeadDropsCredentialsAndSetsHost() {
        let head = UpgradeProxy.backendHead(method: .GET, uri: "/x", host: "10.0.0.1:10250", clientHeaders: [
            "Host": "apiserver:6443", "Authorization": "Bearer secret", "Upgrade": "websocket", "Connection": "Upgrade",
            "Sec-WebSocket-Key": "k", "Impersonate-User": "bob",
        ])
        #expect(head.headers["Host"] == ["10.0.0.1:10250"])
        #expect(!head.headers.contains(name: "Authorization"))
        #expect(!head.headers.contains(name: "Impersonate-User"))
        #expect(head.headers.first(name: "Sec-WebSocket-Key") == "k")
    }
}
