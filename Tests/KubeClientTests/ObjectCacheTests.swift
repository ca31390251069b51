import KubeAPI
import Testing
@testable import KubeClient

private func names(_ objects: [JSON]) -> [String] {
    objects.map { $0["metadata"]["name"].stringValue ?? "?" }
}

@Suite struct ObjectCacheTests {
    @Test(arguments: [
        (pod("a", namespace: "ns1"), "ns1/a" as String?),
        (["metadata": ["name": "node-1"]] as JSON, "node-1"),
        (["metadata": ["name": "x", "namespace": ""]] as JSON, "x"),
        (["metadata": ["namespace": "ns1"]] as JSON, nil),
        ("garbage" as JSON, nil),
    ])
    func keys(object: JSON, expected: String?) {
        #expect(ObjectCache.key(for: object) == expected)
    }

    @Test(arguments: [ObjectStorage.tree, .text]) func builtInIndexes(storage: ObjectStorage) {
        let cache = ObjectCache()
        cache.setStorage(storage)
        cache.upsert(pod("a", namespace: "ns1", node: "n1", owner: "rs-1"))
        cache.upsert(pod("b", namespace: "ns1", node: "n2", owner: "rs-1"))
        cache.upsert(pod("c", namespace: "ns2", node: "n1"))
        cache.upsert(["metadata": ["name": "n1"]])  // cluster-scoped: no namespace entry
        #expect(names(cache.list(namespace: "ns1")) == ["a", "b"])
        #expect(names(cache.byIndex(ObjectCache.ownerUIDIndex, "rs-1")) == ["a", "b"])
        #expect(names(cache.byIndex(ObjectCache.nodeNameIndex, "n1")) == ["a", "c"])
        #expect(cache.indexValues(ObjectCache.namespaceIndex) == ["ns1", "ns2"])
        #expect(cache.byIndex("no-such-index", "x").isEmpty)
        #expect(cache.get(namespace: "ns2", name: "c")?["spec"]["nodeName"] == "n1")
        #expect(cache.get(namespace: nil, name: "n1") != nil)
        #expect(cache.count == 4)
    }

    @Test(arguments: [ObjectStorage.tree, .text]) func updatesMoveIndexEntriesAndDeletesRemoveThem(storage: ObjectStorage) throws {
        let cache = ObjectCache()
        cache.setStorage(storage)
        cache.upsert(pod("a", node: "n1"))
        let delta = cache.upsert(pod("a", node: "n2"))
        guard case .updated(let old, let new) = delta else { Issue.record("expected an update"); return }
        #expect(old["spec"]["nodeName"] == "n1")
        #expect(new["spec"]["nodeName"] == "n2")
        #expect(cache.byIndex(ObjectCache.nodeNameIndex, "n1").isEmpty)
        #expect(names(cache.byIndex(ObjectCache.nodeNameIndex, "n2")) == ["a"])
        #expect(cache.indexValues(ObjectCache.nodeNameIndex) == ["n2"])

        // A delete reports the last stored state, not the (possibly partial) object given.
        #expect(cache.remove(["metadata": ["name": "a", "namespace": "default"]]) == .deleted(pod("a", node: "n2")))
        #expect(cache.byIndex(ObjectCache.nodeNameIndex, "n2").isEmpty)
        #expect(cache.list(namespace: "default").isEmpty)
        #expect(cache.upsert(["metadata": [:]]) == nil)
    }

    @Test(arguments: [ObjectStorage.tree, .text]) func customIndexesApplyToExistingAndNewObjects(storage: ObjectStorage) {
        let cache = ObjectCache(indexers: ["image": { ($0["spec"]["containers"].arrayValue ?? []).compactMap { $0["image"].stringValue } }])
        cache.setStorage(storage)
        cache.upsert(pod("a", image: "nginx"))
        cache.addIndex("app") { $0["metadata"]["labels"]["app"].stringValue.map { [$0] } ?? [] }
        cache.upsert(pod("b", labels: ["app": "web"], image: "httpd"))
        cache.upsert(pod("a", labels: ["app": "web"], image: "nginx"))
        #expect(names(cache.byIndex("image", "nginx")) == ["a"])
        #expect(names(cache.byIndex("image", "httpd")) == ["b"])
        #expect(names(cache.byIndex("app", "web")) == ["a", "b"])
    }

    @Test(arguments: [ObjectStorage.tree, .text]) func labelSelectors(storage: ObjectStorage) throws {
        let cache = ObjectCache()
        cache.setStorage(storage)
        cache.upsert(pod("a", namespace: "ns1", labels: ["app": "web", "tier": "front"]))
        cache.upsert(pod("b", namespace: "ns1", labels: ["app": "db"]))
        cache.upsert(pod("c", namespace: "ns2", labels: ["app": "web"]))
        #expect(names(cache.list(matching: try LabelSelector(parsing: "app=web"))) == ["a", "c"])
        #expect(names(cache.list(matching: try LabelSelector(parsing: "app=web"), namespace: "ns1")) == ["a"])
        #expect(names(cache.list(matching: try LabelSelector(parsing: "app in (web,db),!tier"))) == ["b", "c"])
        #expect(cache.list(matching: .nothing).isEmpty)
        #expect(cache.list(matching: .everything).count == 3)
    }

    @Test(arguments: [ObjectStorage.tree, .text]) func replaceReportsOnlyTheDifferences(storage: ObjectStorage) {
        let cache = ObjectCache()
        cache.setStorage(storage)
        cache.upsert(pod("keep"))
        cache.upsert(pod("change"))
        cache.upsert(pod("gone", node: "n1"))
        let deltas = cache.replace(with: [pod("keep"), pod("change", image: "httpd"), pod("new"), ["metadata": [:]]])
        #expect(deltas == [
            .deleted(pod("gone", node: "n1")),
            .updated(old: pod("change"), new: pod("change", image: "httpd")),
            .added(pod("new")),
        ])
        #expect(cache.keys() == ["default/change", "default/keep", "default/new"])
        #expect(cache.byIndex(ObjectCache.nodeNameIndex, "n1").isEmpty)
    }
}

@Suite struct InformerTests {
    @Test func handlersSeeAddsUpdatesAndDeletesAndLateHandlersGetAReplay() async {
        let api = FakeAPIClient()
        api.put(.pods, pod("a", node: "n1"))
        let informer = Informer(client: api, resource: .pods, backoff: ExponentialBackoff(initial: .milliseconds(1), maximum: .milliseconds(2)))
        let adds = Recorder(), updates = Recorder(), deletes = Recorder()
        informer.onAdd { adds.append($0["metadata"]["name"].stringValue ?? "?") }
        informer.onUpdate { old, new in updates.append("\(old["spec"]["nodeName"].stringValue ?? "-")>\(new["spec"]["nodeName"].stringValue ?? "-")") }
        informer.onDelete { deletes.append($0["metadata"]["name"].stringValue ?? "?") }
        #expect(!informer.hasSynced)
        informer.start()
        defer { informer.stop() }
        #expect(await informer.waitForSync())
        #expect(informer.hasSynced)
        #expect(adds.all == ["a"])
        #expect(await eventually { api.activeWatchers == 1 })

        api.put(.pods, pod("a", node: "n2"))
        api.remove(.pods, namespace: "default", name: "a")
        #expect(await eventually { deletes.all == ["a"] })
        #expect(updates.all == ["n1>n2"])

        api.put(.pods, pod("b"))
        #expect(await eventually { adds.all == ["a", "b"] })
        let late = Recorder()
        informer.onAdd { late.append($0["metadata"]["name"].stringValue ?? "?") }
        #expect(late.all == ["b"])
    }

    @Test func waitForSyncReturnsFalseWhenCancelled() async {
        let api = FakeAPIClient()
        let informer = Informer(client: api, resource: .pods)  // never started
        let waiter = Task { await informer.waitForSync() }
        try? await Task.sleep(for: .milliseconds(5))
        waiter.cancel()
        #expect(await waiter.value == false)
    }

    @Test func sharedFactoryHandsOutOneInformerPerType() async {
        let api = FakeAPIClient()
        api.put(.pods, pod("a"))
        api.put(.nodes, ["metadata": ["name": "n1"]])
        let factory = SharedInformerFactory(client: api, namespace: "default")
        let pods = factory.informer(for: .pods)
        #expect(factory.informer(for: .pods) === pods)
        let nodes = factory.informer(for: .nodes)
        #expect(factory.resources == [.nodes, .pods])
        factory.start()
        factory.start()  // idempotent: still one watch per type
        defer { factory.shutdown() }
        #expect(await factory.waitForCacheSync())
        #expect(pods.cache.keys() == ["default/a"])
        #expect(nodes.cache.keys() == ["n1"])
        #expect(await eventually { api.activeWatchers == 2 })
        #expect(api.listCalls.count == 2)
    }
}

@Suite struct ObjectCacheSlimTests {
    @Test func managedFieldsAreNotCachedAndOrderIsKept() throws {
        let cache = ObjectCache()
        let pod: JSON = ["apiVersion": "v1", "kind": "Pod",
                         "metadata": ["name": "p", "namespace": "default", "managedFields": [["manager": "kubectl"]], "uid": "u"],
                         "spec": ["nodeName": "n1"]]
        _ = cache.upsert(pod)
        let cached = try #require(cache.get(namespace: "default", name: "p"))
        #expect(cached["metadata"]["managedFields"].isNull)
        #expect(cached["metadata"]["uid"] == "u")
        #expect(cached.objectValue?.keys.map { $0 } == ["apiVersion", "kind", "metadata", "spec"])
        #expect(cached["metadata"].objectValue?.keys.map { $0 } == ["name", "namespace", "uid"])
        _ = cache.replace(with: [pod])
        #expect(cache.get(namespace: "default", name: "p")?["metadata"]["managedFields"].isNull == true)
        #expect(cache.byIndex(ObjectCache.nodeNameIndex, "n1").count == 1)
    }
}

@Suite struct ObjectCacheTransformTests {
    /// Keeps only the name, namespace and node of a pod.
    static let thin: ObjectTransform = { object in
        ["metadata": ["name": object["metadata"]["name"], "namespace": object["metadata"]["namespace"]],
         "spec": ["nodeName": object["spec"]["nodeName"]]]
    }

    @Test func storesTheTransformedFormAndHandsTheReceivedObjectToHandlers() throws {
        let cache = ObjectCache(transform: Self.thin)
        var full = pod("a", node: "n1")
        full["spec"]["containers"] = [["name": "c", "image": "busybox"]]
        guard case .added(let added)? = cache.upsert(full) else { Issue.record("no add"); return }
        #expect(added == full)
        #expect(cache.get(namespace: "default", name: "a")?["spec"]["containers"] == .null)
        #expect(names(cache.byIndex(ObjectCache.nodeNameIndex, "n1")) == ["a"])

        full["spec"]["nodeName"] = "n2"
        guard case .updated(let old, let new)? = cache.upsert(full) else { Issue.record("no update"); return }
        #expect(old == Self.thin(pod("a", node: "n1")))
        #expect(new == full)
        #expect(names(cache.byIndex(ObjectCache.nodeNameIndex, "n2")) == ["a"])
    }

    @Test func relistComparesTransformedFormsOnly() {
        let cache = ObjectCache(transform: Self.thin)
        var full = pod("a", node: "n1")
        cache.upsert(full)
        // A change outside the kept fields is not an update of the cached object.
        full["spec"]["containers"] = [["name": "c", "image": "other"]]
        #expect(cache.replace(with: [full]).isEmpty)
        full["spec"]["nodeName"] = "n3"
        guard case .updated(_, let new)? = cache.replace(with: [full]).first else { Issue.record("no update"); return }
        #expect(new["spec"]["containers"][0]["image"] == "other")
    }

    @Test func defaultTransformDropsManagedFields() {
        let cache = ObjectCache()
        var full = pod("a")
        full["metadata"]["managedFields"] = [["manager": "kubectl"]]
        cache.upsert(full)
        #expect(cache.get(namespace: "default", name: "a")?["metadata"]["managedFields"] == .null)
    }

    @Test func factoryAppliesTransformsToInformersCreatedLater() {
        let factory = SharedInformerFactory(client: FakeAPIClient())
        factory.setTransform(Self.thin, for: .pods)
        let informer = factory.informer(for: .pods)
        var full = pod("a", node: "n1")
        full["spec"]["containers"] = [["name": "c"]]
        informer.cache.upsert(full)
        #expect(informer.cache.get(namespace: "default", name: "a")?["spec"]["containers"] == .null)
        // Other resources keep the default.
        factory.informer(for: .nodes).cache.upsert(["metadata": ["name": "n1"], "spec": ["podCIDR": "10.42.0.0/24"]])
        #expect(factory.informer(for: .nodes).cache.get(namespace: nil, name: "n1")?["spec"]["podCIDR"] == "10.42.0.0/24")
    }
}

@Suite struct ObjectCacheTextStorageTests {
    /// A pod with what text storage must give back exactly: member order, escapes, non-ASCII,
    /// nested arrays, numbers, booleans and nulls.
    static let tricky: JSON = [
        "metadata": ["name": "p", "namespace": "default", "labels": ["z": "1", "a": "quote \" and \\ and \n"]],
        "spec": ["nodeName": "n1", "containers": [["name": "c", "ports": [["containerPort": 80]]]],
                 "priority": -5, "overhead": 2.5, "hostNetwork": false, "nodeSelector": .null],
        "status": ["message": "Ünïcode ✓ and \u{1F680}"],
    ]

    @Test func textStorageKeepsObjectsAsTextAndReadsThemBackUnchanged() throws {
        let cache = ObjectCache()
        cache.setStorage(.text)
        cache.upsert(Self.tricky)
        let stored = cache.state.withLock { $0.items["default/p"] }
        guard case .text(let bytes)? = stored else { Issue.record("not stored as text: \(String(describing: stored))"); return }
        #expect(bytes.capacity < Self.tricky.serialized().count + 32)
        let read = try #require(cache.get(namespace: "default", name: "p"))
        #expect(read == Self.tricky)
        #expect(read["metadata"]["labels"].objectValue?.keys.map { $0 } == ["z", "a"])
        #expect(names(cache.byIndex(ObjectCache.nodeNameIndex, "n1")) == ["p"])

        // An integral double reads back as an integer of the same value.
        var withDouble = Self.tricky
        withDouble["spec"]["overhead"] = .double(3)
        guard case .updated(let old, _)? = cache.upsert(withDouble) else { Issue.record("no update"); return }
        #expect(old == Self.tricky)
        #expect(cache.get(namespace: "default", name: "p")?["spec"]["overhead"].doubleValue == 3)
    }

    @Test func switchingStorageKeepsEarlierEntriesReadable() {
        let cache = ObjectCache()
        cache.upsert(pod("a", node: "n1"))
        cache.setStorage(.text)
        cache.upsert(pod("b", node: "n1"))
        #expect(names(cache.byIndex(ObjectCache.nodeNameIndex, "n1")) == ["a", "b"])
        #expect(cache.remove(pod("a")) == .deleted(pod("a", node: "n1")))
        #expect(cache.remove(pod("b")) == .deleted(pod("b", node: "n1")))
        #expect(cache.count == 0)
        #expect(cache.indexValues(ObjectCache.nodeNameIndex).isEmpty)
    }
}
