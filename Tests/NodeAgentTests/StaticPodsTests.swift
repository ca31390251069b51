import Foundation
import KubeAPI
import Testing
@testable import NodeAgent

@Suite struct StaticPodsTests {
    static let manifest = """
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: busybox:test
        command: ["sleep", "3600"]
    """

    @Test func mirrorPodIsNamedBoundOwnedAndAnnotated() throws {
        let m = try StaticPods.manifest(file: "/m/web.yaml", text: Self.manifest, nodeName: "Node-1", nodeUID: "n-uid")
        #expect(m.name == "web-node-1")
        #expect(m.namespace == "default")
        let pod = m.mirror
        #expect(pod["spec"]["nodeName"] == "Node-1")
        #expect(pod["metadata"]["labels"]["app"] == "web")
        #expect(pod["metadata"]["annotations"][StaticPods.mirrorAnnotation].stringValue == m.hash)
        #expect(pod["metadata"]["annotations"][StaticPods.hashAnnotation].stringValue == m.hash)
        #expect(pod["metadata"]["annotations"][StaticPods.sourceAnnotation] == "file")
        #expect(pod["metadata"]["ownerReferences"][0]["kind"] == "Node")
        #expect(pod["metadata"]["ownerReferences"][0]["uid"] == "n-uid")
        #expect(pod["spec"]["tolerations"].arrayValue?.contains(["operator": "Exists", "effect": "NoExecute"]) == true)
        #expect(m.hash.count == 16)
        #expect(StaticPods.isMirror(pod))
    }

    @Test func hashFollowsContentOnly() throws {
        let a = try StaticPods.manifest(file: "/m/a.yaml", text: Self.manifest, nodeName: "n", nodeUID: nil)
        let b = try StaticPods.manifest(file: "/m/b.yaml", text: Self.manifest, nodeName: "n", nodeUID: "later")
        let changed = try StaticPods.manifest(file: "/m/a.yaml", text: Self.manifest.replacingOccurrences(of: "3600", with: "60"),
                                              nodeName: "n", nodeUID: nil)
        #expect(a.hash == b.hash)
        #expect(a.hash != changed.hash)
    }

    @Test func serverSetFieldsAreDropped() throws {
        let text = Self.manifest.replacingOccurrences(of: "  name: web\n", with: "  name: web\n  uid: abc\n  resourceVersion: \"5\"\n")
            + "\nstatus:\n  phase: Running\n"
        let pod = try StaticPods.manifest(file: "/m/x.yaml", text: text, nodeName: "n", nodeUID: nil).mirror
        #expect(pod["metadata"].objectValue?.keys.contains("uid") == false)
        #expect(pod["metadata"].objectValue?.keys.contains("resourceVersion") == false)
        #expect(pod.objectValue?.keys.contains("status") == false)
    }

    @Test(arguments: [
        ("", "the file is empty"),
        ("kind: Pod\napiVersion: v1\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\n---\nkind: Pod\n", "holds 2 documents"),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n", "not a v1 Pod"),
        ("apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, image: i}]}\n", "metadata.name is missing"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: []}\n", "spec.containers is empty"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n", "needs a name and an image"),
        ("kind: [unclosed", "not valid YAML"),
    ])
    func badManifestsAreNamed(text: String, reason: String) {
        #expect {
            _ = try StaticPods.manifest(file: "/m/bad.yaml", text: text, nodeName: "n", nodeUID: nil)
        } throws: { error in
            guard let error = error as? StaticPods.ManifestError else { return false }
            return error.file == "/m/bad.yaml" && error.reason.contains(reason)
        }
    }

    @Test func readsADirectorySkippingDotFilesAndDuplicates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("static-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.manifest.write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        try Self.manifest.write(toFile: dir + "/b.yml", atomically: true, encoding: .utf8)
        try Self.manifest.write(toFile: dir + "/.a.yaml.swp", atomically: true, encoding: .utf8)
        try "not a manifest".write(toFile: dir + "/README", atomically: true, encoding: .utf8)
        try "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"j\",\"namespace\":\"kube-system\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}"
            .write(toFile: dir + "/j.json", atomically: true, encoding: .utf8)
        let (manifests, errors) = StaticPods.read(directory: dir, nodeName: "n", nodeUID: nil)
        #expect(manifests.map(\.name) == ["web-n", "j-n"])
        #expect(manifests.map(\.namespace) == ["default", "kube-system"])
        #expect(errors.count == 1)
        #expect(errors.first?.file == dir + "/b.yml")
        #expect(errors.first?.reason.contains("already defined by \(dir)/a.yaml") == true)
        #expect(StaticPods.read(directory: dir + "/missing", nodeName: "n", nodeUID: nil).manifests.isEmpty)
    }

    @Test func planCreatesReplacesAndRemovesMirrorsOnly() throws {
        let m = try StaticPods.manifest(file: "/m/web.yaml", text: Self.manifest, nodeName: "n", nodeUID: nil)
        #expect(StaticPods.plan(manifests: [m], existing: []) == [.create(m.mirror)])

        var current = m.mirror
        current["metadata"]["uid"] = "u1"
        #expect(StaticPods.plan(manifests: [m], existing: [current]).isEmpty)

        var stale = current
        stale["metadata"]["annotations"][StaticPods.hashAnnotation] = "0000000000000000"
        #expect(StaticPods.plan(manifests: [m], existing: [stale]) == [.delete(namespace: "default", name: "web-n", uid: "u1")])

        var deleting = stale
        deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        #expect(StaticPods.plan(manifests: [m], existing: [deleting]).isEmpty)

        // The file went away: its mirror goes; an ordinary pod on the node is never touched.
        let ordinary: JSON = ["metadata": ["namespace": "default", "name": "other", "uid": "u2"]]
        #expect(StaticPods.plan(manifests: [], existing: [current, ordinary]) == [.delete(namespace: "default", name: "web-n", uid: "u1")])

        // A hand-made pod holding the mirror's name is left alone (and not replaced).
        var handMade = ordinary
        handMade["metadata"]["name"] = "web-n"
        #expect(StaticPods.plan(manifests: [m], existing: [handMade]).isEmpty)
    }
}
