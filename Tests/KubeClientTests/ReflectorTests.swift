import KubeAPI
import Testing
@testable import KubeClient

/// Fast settings so failure paths run in milliseconds.
private func config(_ resource: ResourceType = .pods, pageSize: Int? = 500) -> Reflector.Configuration {
    Reflector.Configuration(resource: resource, pageSize: pageSize,
                            backoff: ExponentialBackoff(initial: .milliseconds(1), maximum: .milliseconds(4), jitter: 0),
                            minimumWatchDuration: .zero)
}

/// An informer recording `add a`, `update a`, `delete a` in delivery order.
private func recordingInformer(_ api: FakeAPIClient, pageSize: Int? = 500) -> (Informer, Recorder) {
    let informer = Informer(client: api, configuration: config(pageSize: pageSize))
    let recorder = Recorder()
    informer.addEventHandler(ResourceEventHandler(
        onAdd: { recorder.append("add \($0["metadata"]["name"].stringValue ?? "?")") },
        onUpdate: { old, new in
            recorder.append("update \(new["metadata"]["name"].stringValue ?? "?") \(old["spec"]["containers"][0]["image"].stringValue ?? "")->\(new["spec"]["containers"][0]["image"].stringValue ?? "")")
        },
        onDelete: { recorder.append("delete \($0["metadata"]["name"].stringValue ?? "?") \($0["spec"]["containers"][0]["image"].stringValue ?? "")") }))
    return (informer, recorder)
}

@Suite struct ReflectorTests {
    @Test func syncsWithPagedListThenDeliversWatchEventsInOrder() async throws {
        let api = FakeAPIClient()
        for name in ["a", "b", "c"] { api.put(.pods, pod(name)) }
        let (informer, recorder) = recordingInformer(api, pageSize: 2)
        informer.start()
        defer { informer.stop() }
        #expect(await informer.waitForSync())
        #expect(recorder.all == ["add a", "add b", "add c"])
        // Two pages of at most 2, the second one with the first page's continue token.
        #expect(api.listCalls.map(\.limit) == [2, 2])
        #expect(api.listCalls.map(\.continueToken) == [nil, "2"])
        #expect(await eventually { api.activeWatchers == 1 })
        let watch = try #require(api.watchCalls.first)
        #expect(watch.allowWatchBookmarks)
        #expect(watch.resourceVersion == "103")

        api.put(.pods, pod("d"))
        api.put(.pods, pod("a", image: "httpd"))
        api.remove(.pods, namespace: "default", name: "b")
        #expect(await eventually { recorder.all.count == 6 })
        #expect(recorder.all == ["add a", "add b", "add c", "add d", "update a nginx->httpd", "delete b nginx"])
        #expect(informer.cache.keys() == ["default/a", "default/c", "default/d"])
        #expect(informer.lastSyncResourceVersion == String(api.revision))
    }

    @Test func rewatchesFromLastResourceVersionAfterStreamEndWithoutDuplicates() async throws {
        let api = FakeAPIClient()
        api.put(.pods, pod("a"))
        let (informer, recorder) = recordingInformer(api)
        informer.start()
        defer { informer.stop() }
        #expect(await informer.waitForSync())
        #expect(await eventually { api.activeWatchers == 1 })
        api.put(.pods, pod("b"))
        #expect(await eventually { recorder.all.count == 2 })

        api.endWatches()
        api.put(.pods, pod("c"))  // happens while no watch is open: must be replayed once
        #expect(await eventually { recorder.all.count == 3 && api.activeWatchers == 1 })
        #expect(recorder.all == ["add a", "add b", "add c"])
        #expect(api.listCalls.count == 1)
        // The second watch starts where the first one stopped (b's resourceVersion).
        #expect(api.watchCalls.map(\.resourceVersion) == ["101", "102"])
    }

    @Test func bookmarksAdvanceTheResumeVersion() async throws {
        let api = FakeAPIClient()
        let (informer, recorder) = recordingInformer(api)
        informer.start()
        defer { informer.stop() }
        #expect(await informer.waitForSync())
        #expect(await eventually { api.activeWatchers == 1 })
        // Another resource type moves the global revision; the bookmark tells the reflector.
        api.put(.configMaps, ["metadata": ["name": "x", "namespace": "default"]])
        api.bookmark()
        #expect(await eventually { informer.lastSyncResourceVersion == "101" })
        api.endWatches()
        #expect(await eventually { api.watchCalls.count == 2 })
        #expect(api.watchCalls.last?.resourceVersion == "101")
        #expect(recorder.all.isEmpty)
    }

    @Test func expiredErrorEventRelistsAndReportsTheDifferences() async throws {
        let api = FakeAPIClient()
        for name in ["a", "b", "c"] { api.put(.pods, pod(name)) }
        let (informer, recorder) = recordingInformer(api)
        informer.start()
        defer { informer.stop() }
        #expect(await informer.waitForSync())
        #expect(await eventually { api.activeWatchers == 1 })

        // Changes the watch never delivers, then the server's history is gone.
        api.remove(.pods, namespace: "default", name: "b", silently: true)
        api.put(.pods, pod("c", image: "httpd"), silently: true)
        api.put(.pods, pod("d"), silently: true)
        api.compact()
        api.sendErrorEvent(.expired("too old resource version"))

        #expect(await eventually { recorder.all.count == 6 })
        #expect(recorder.all == ["add a", "add b", "add c", "delete b nginx", "update c nginx->httpd", "add d"])
        #expect(api.listCalls.count == 2)
        #expect(informer.cache.keys() == ["default/a", "default/c", "default/d"])
        #expect(await eventually { api.watchCalls.last?.resourceVersion == String(api.revision) })
    }

    @Test func goneOnTheWatchRequestRelists() async throws {
        let api = FakeAPIClient()
        api.put(.pods, pod("a"))
        let (informer, recorder) = recordingInformer(api)
        informer.start()
        defer { informer.stop() }
        #expect(await informer.waitForSync())
        #expect(await eventually { api.activeWatchers == 1 })
        api.remove(.pods, namespace: "default", name: "a", silently: true)
        api.compact()
        api.endWatches()  // the re-watch from 101 now gets 410
        #expect(await eventually { recorder.all.count == 2 })
        #expect(recorder.all == ["add a", "delete a nginx"])
        #expect(api.listCalls.count == 2)
    }

    @Test func backsOffAndRetriesFailedLists() async throws {
        let api = FakeAPIClient()
        api.put(.pods, pod("a"))
        api.failNextLists([TransportError(), TransportError(), StatusError.internalError("etcd down")])
        let reflector = Reflector(client: api, configuration: config(), cache: ObjectCache())
        let task = Task { await reflector.run() }
        defer { task.cancel() }
        #expect(await eventually { reflector.hasSynced })
        #expect(reflector.failureCount == 3)
        #expect(api.listCalls.count == 4)
        #expect(reflector.cache.keys() == ["default/a"])
    }

    @Test func watchErrorsBackOffAndResumeWithoutRelisting() async throws {
        let api = FakeAPIClient()
        api.put(.pods, pod("a"))
        let (informer, recorder) = recordingInformer(api)
        informer.start()
        defer { informer.stop() }
        #expect(await informer.waitForSync())
        #expect(await eventually { api.activeWatchers == 1 })
        api.failNextWatches([TransportError()])
        api.breakWatches()
        api.put(.pods, pod("b"))
        #expect(await eventually { recorder.all.count == 2 && api.activeWatchers == 1 })
        // A non-410 ERROR event is an error too, not a reason to re-list.
        api.sendErrorEvent(.internalError("boom"))
        api.put(.pods, pod("c"))
        #expect(await eventually { recorder.all.count == 3 && api.activeWatchers == 1 })
        #expect(recorder.all == ["add a", "add b", "add c"])
        #expect(api.listCalls.count == 1)
        #expect(api.watchCalls.count == 4)
        #expect(api.watchCalls.map(\.resourceVersion) == ["101", "101", "101", "102"])
    }

    @Test func shortEmptyWatchesCountAsFailures() async throws {
        let api = FakeAPIClient()
        var settings = config()
        settings.minimumWatchDuration = .seconds(10)
        let reflector = Reflector(client: api, configuration: settings, cache: ObjectCache())
        let task = Task { await reflector.run() }
        defer { task.cancel() }
        #expect(await eventually { api.activeWatchers == 1 })
        api.endWatches()
        #expect(await eventually { reflector.failureCount == 1 && api.activeWatchers == 1 })
    }

    @Test func cancellationStopsTheReflector() async throws {
        let api = FakeAPIClient()
        let reflector = Reflector(client: api, configuration: config(), cache: ObjectCache())
        let task = Task { await reflector.run() }
        #expect(await eventually { api.activeWatchers == 1 })
        task.cancel()
        await task.value
        #expect(await eventually { api.activeWatchers == 0 })
    }

    @Test func statusErrorFromMalformedErrorEventIsStillAnError() {
        let error = Reflector.statusError(from: "not a status")
        #expect(error.code == 500)
        #expect(!Reflector.isExpired(error))
        #expect(Reflector.isExpired(Reflector.statusError(from: ["kind": "Status", "code": 410, "reason": "Gone"])))
        #expect(Reflector.isExpired(Reflector.statusError(from: ["kind": "Status", "reason": "Expired"])))
    }
}

@Suite struct BackoffTests {
    @Test func doublesUpToTheCapAndResets() {
        var backoff = ExponentialBackoff(initial: .milliseconds(10), maximum: .milliseconds(50), jitter: 0)
        let delays = (0..<5).map { _ in backoff.next() }
        #expect(delays == [.milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(50), .milliseconds(50)])
        #expect(backoff.failures == 5)
        backoff.reset()
        #expect(backoff.next() == .milliseconds(10))
    }

    @Test(arguments: [0.0, 0.5, 0.999])
    func jitterStaysWithinTheRange(random: Double) {
        var backoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 1)
        let delay = backoff.next(random: { random })
        #expect(delay >= .milliseconds(100))
        #expect(delay < .milliseconds(200))
        #expect(delay == .milliseconds(100) + .milliseconds(100) * random)
    }

    @Test func badSettingsAreCorrected() {
        var backoff = ExponentialBackoff(initial: .zero, maximum: .milliseconds(-5), factor: 0.5, jitter: -1)
        #expect(backoff.next() == .milliseconds(1))
        #expect(backoff.next() == .milliseconds(1))
    }
}
