import KubeAPI
import Testing
@testable import KubeClient

@Suite struct TransportTests {
    @Test func concurrentRequestsShareOneHTTP2Connection() async throws {
        try await withServer { _, client in
            let watch = try await client.watch(.configMaps, namespace: "default", options: ListOptions(resourceVersion: "0"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let name = "c-\(index)"
                        _ = try await client.create(.configMaps, namespace: "default", object: configMap(name))
                        let got = try await client.get(.configMaps, namespace: "default", name: name)
                        #expect(got["metadata"]["name"].stringValue == name)
                    }
                }
                try await group.waitForAll()
            }
            let connections = client.pool.openConnections
            #expect(connections.count == 1)
            #expect(connections.first?.http2 == true)
            // The watch multiplexed on the same connection saw the creations.
            let events = try await collect(watch, count: 40)
            #expect(Set(events.compactMap { $0.object["metadata"]["name"].stringValue }).count == 40)
        }
    }

    @Test func http1FallbackUsesASmallPool() async throws {
        try await withServer({ $0.httpVersions = .http1Only; $0.maxIdleConnections = 2 }) { _, client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        _ = try await client.create(.configMaps, namespace: "default", object: configMap("h1-\(index)"))
                    }
                }
                try await group.waitForAll()
            }
            let connections = client.pool.openConnections
            #expect(connections.allSatisfy { !$0.http2 })
            #expect(connections.count <= 2)
            // A watch holds its own connection; other requests keep working beside it.
            let watch = try await client.watch(.configMaps, namespace: "default",
                                               options: ListOptions(resourceVersion: "0", timeoutSeconds: 5))
            let list = try await client.list(.configMaps, namespace: "default", options: ListOptions())
            #expect(list.items.count >= 10)
            let events = try await collect(watch, count: 10)
            #expect(events.count == 10)
        }
    }

    @Test func restartedServerFailsInFlightWatchAndNextRequestReconnects() async throws {
        try await withServer { server, client in
            _ = try await client.create(.configMaps, namespace: "default", object: configMap("before"))
            // resourceVersion 0 replays "before" at once: its event proves the watch reached the server
            // before the restart (otherwise, on a loaded machine, the request could land on the
            // restarted server and the watch would just work). The server timeout bounds a failure.
            let watch = try await client.watch(.configMaps, namespace: "default",
                                               options: ListOptions(resourceVersion: "0", timeoutSeconds: 60))
            let (established, signal) = AsyncStream<Void>.makeStream()
            let consumer = Task { () -> (any Error)? in
                // Ends the signal stream too, so a watch that ends without its first event fails
                // the test below instead of leaving it waiting.
                defer { signal.finish() }
                do { for try await _ in watch { signal.yield() } } catch { return error }
                return nil
            }
            var events = established.makeAsyncIterator()
            try #require(await events.next() != nil, "the watch ended before replaying \"before\"")
            try await server.restart()
            let failure = await consumer.value
            let clientError = try #require(failure as? KubeClientError)
            #expect(clientError.kind == .connectionClosed)

            let got = try await client.get(.configMaps, namespace: "default", name: "before")
            #expect(got["metadata"]["name"] == "before")
            #expect(client.pool.openConnections.count == 1)
        }
    }

    @Test func untrustedServerIsRefused() async throws {
        try await withServer { server, _ in
            var config = server.clientConfig()
            // The client CA did not sign the serving certificate.
            config.certificateAuthorityPEM = Array(server.pki.clientCA.certificatePEM.utf8)
            let client = try HTTPClient(config: config)
            let error = await #expect(throws: KubeClientError.self) {
                try await client.get(.namespaces, name: "default")
            }
            #expect(error?.kind == .connect)
            await client.shutdown()
        }
    }

    @Test func serverNameIsCheckedAgainstTheCertificate() async throws {
        // 127.0.0.2 is loopback too, but not among the serving certificate's SANs.
        try await withServer(host: "127.0.0.2") { server, unverified in
            let error = await #expect(throws: KubeClientError.self) { try await unverified.get(.namespaces, name: "default") }
            #expect(error?.kind == .connect)
            #expect(error?.message.contains("TLS handshake") == true)
            // Verified against a DNS SAN instead (kubeconfig's tls-server-name), the same address is accepted.
            var config = server.clientConfig()
            config.tlsServerName = "localhost"
            let named = try HTTPClient(config: config)
            let namespace = try await named.get(.namespaces, name: "default")
            #expect(namespace["metadata"]["name"] == "default")
            await named.shutdown()
        }
    }

    @Test func dnsNameOfTheServerIsVerified() async throws {
        try await withServer { server, _ in
            var config = server.clientConfig()
            config.server = ServerAddress(host: "localhost", port: server.port)
            let client = try HTTPClient(config: config)
            let namespace = try await client.get(.namespaces, name: "default")
            #expect(namespace["metadata"]["name"] == "default")
            await client.shutdown()
        }
    }

    @Test func refusedConnectionIsAClearError() async throws {
        var config = ClientConfig(server: ServerAddress(host: "127.0.0.1", port: 1))
        config.connectTimeout = .seconds(2)
        let client = try HTTPClient(config: config)
        let error = await #expect(throws: KubeClientError.self) { try await client.get(.namespaces, name: "default") }
        #expect(error?.kind == .connect)
        #expect(error?.message.contains("127.0.0.1:1") == true)
        await client.shutdown()
    }

    @Test func requestsAfterShutdownFail() async throws {
        try await withServer { server, _ in
            let client = try HTTPClient(config: server.clientConfig())
            _ = try await client.get(.namespaces, name: "default")
            await client.shutdown()
            let error = await #expect(throws: KubeClientError.self) { try await client.get(.namespaces, name: "default") }
            #expect(error?.kind == .shutdown)
        }
    }

    @Test func garbageTLSMaterialIsRefused() throws {
        var config = ClientConfig(server: ServerAddress(host: "127.0.0.1", port: 6443),
                                  certificateAuthorityPEM: Array("not a pem".utf8))
        let caError = #expect(throws: KubeClientError.self) { try HTTPClient(config: config) }
        #expect(caError?.kind == .tls)
        config.certificateAuthorityPEM = nil
        config.clientCertificatePEM = Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8)
        config.clientKeyPEM = Array("junk".utf8)
        let error = #expect(throws: KubeClientError.self) { try HTTPClient(config: config) }
        #expect(error?.kind == .tls)
    }
}
