import KubeAPI
import Testing
@testable import WorkloadControllers

@Suite struct RootCACertPublisherTests {
    static let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    static let namespace: JSON = ["metadata": ["name": "team"], "status": ["phase": "Active"]]

    static func written(_ actions: [ControllerAction]) -> (verb: String, object: JSON)? {
        switch actions.first {
        case .create(let type, "team", let object)? where type == .configMaps: return ("create", object)
        case .update(let type, "team", let object)? where type == .configMaps: return ("update", object)
        default: return nil
        }
    }

    @Test func createsTheConfigMapInAnActiveNamespace() throws {
        let actions = RootCACertPublisher.sync(namespace: Self.namespace, configMap: nil, caPEM: Self.pem)
        #expect(actions.count == 1)
        let (verb, object) = try #require(Self.written(actions))
        #expect(verb == "create")
        #expect(object["metadata"]["name"] == "kube-root-ca.crt")
        #expect(object["data"] == ["ca.crt": .string(Self.pem)])
        #expect(object["metadata"]["annotations"]["kubernetes.io/description"].stringValue?.hasPrefix("Contains a CA bundle") == true)
    }

    @Test func inSyncConfigMapIsLeftAlone() throws {
        let (_, object) = try #require(Self.written(RootCACertPublisher.sync(namespace: Self.namespace, configMap: nil, caPEM: Self.pem)))
        var stored = object
        stored["metadata"]["resourceVersion"] = "7"
        #expect(RootCACertPublisher.sync(namespace: Self.namespace, configMap: stored, caPEM: Self.pem).isEmpty)
    }

    /// Edited data, an extra key or a dropped annotation: the whole `data` comes back, other
    /// metadata (labels, resourceVersion) is kept.
    @Test(arguments: [
        ["ca.crt": "edited"] as JSON, ["ca.crt": .string(pem), "extra": "x"], [:], .null,
    ])
    func editedConfigMapIsRestored(data: JSON) throws {
        let stored: JSON = ["metadata": ["name": "kube-root-ca.crt", "namespace": "team", "resourceVersion": "9",
                                         "labels": ["keep": "me"],
                                         "annotations": ["kubernetes.io/description": "x"]],
                            "data": data]
        let (verb, object) = try #require(Self.written(RootCACertPublisher.sync(namespace: Self.namespace, configMap: stored, caPEM: Self.pem)))
        #expect(verb == "update")
        #expect(object["data"] == ["ca.crt": .string(Self.pem)])
        #expect(object["metadata"]["resourceVersion"] == "9")
        #expect(object["metadata"]["labels"] == ["keep": "me"])
    }

    @Test func missingDescriptionIsAdded() throws {
        let stored: JSON = ["metadata": ["name": "kube-root-ca.crt", "namespace": "team"], "data": ["ca.crt": .string(Self.pem)]]
        let (verb, object) = try #require(Self.written(RootCACertPublisher.sync(namespace: Self.namespace, configMap: stored, caPEM: Self.pem)))
        #expect(verb == "update")
        #expect(!object["metadata"]["annotations"]["kubernetes.io/description"].isNull)
    }

    @Test func goneOrTerminatingNamespacesGetNothing() {
        #expect(RootCACertPublisher.sync(namespace: nil, configMap: nil, caPEM: Self.pem).isEmpty)
        let terminating: JSON = ["metadata": ["name": "team"], "status": ["phase": "Terminating"]]
        #expect(RootCACertPublisher.sync(namespace: terminating, configMap: nil, caPEM: Self.pem).isEmpty)
        let deleting: JSON = ["metadata": ["name": "team", "deletionTimestamp": "2026-01-01T00:00:00Z"]]
        #expect(RootCACertPublisher.sync(namespace: deleting, configMap: nil, caPEM: Self.pem).isEmpty)
        #expect(RootCACertPublisher.sync(namespace: ["metadata": [:]], configMap: nil, caPEM: Self.pem).isEmpty)
    }
}
