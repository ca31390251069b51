import FoundationEssentials
import Glibc
import KubeAPI

/// Static pods: Pod manifests in a directory on the node (`<agent>/pod-manifests`, K3s's place),
/// run by this kubelet and shown in the API as mirror pods.
///
/// Upstream's kubelet runs a static pod from the file and writes a mirror to the API; here the
/// mirror is the pod the kubelet runs (it is bound to this node like any other pod), so a static
/// pod needs the API server. Deleting the mirror makes the kubelet write it again within one
/// check interval (its containers restart, unlike upstream, where the file's pod keeps running).
public enum StaticPods {
    /// Annotations upstream's kubelet puts on a mirror pod (`pkg/kubelet/types/pod_update.go`).
    public static let hashAnnotation = "kubernetes.io/config.hash"
    public static let mirrorAnnotation = "kubernetes.io/config.mirror"
    public static let sourceAnnotation = "kubernetes.io/config.source"
    public static let seenAnnotation = "kubernetes.io/config.seen"

    /// One manifest file, read: the mirror pod to create and the hash that identifies its content.
    public struct Manifest: Sendable, Equatable {
        public var file: String
        public var mirror: JSON
        public var hash: String
        public var namespace: String { mirror["metadata"]["namespace"].stringValue ?? "default" }
        public var name: String { mirror["metadata"]["name"].stringValue ?? "" }
    }

    /// A manifest file that cannot be run (named so the log says which file and why).
    public struct ManifestError: Error, Equatable, CustomStringConvertible, Sendable {
        public var file: String
        public var reason: String
        public var description: String { "static pod manifest \(file): \(reason)" }
    }

    /// Reads every manifest of `directory` (`*.yaml`, `*.yml`, `*.json`; dot files are skipped, as
    /// editors leave them). A missing directory holds no pods. Two files naming the same pod: the
    /// first in name order wins and the other is an error.
    public static func read(directory: String, nodeName: String, nodeUID: String?) -> (manifests: [Manifest], errors: [ManifestError]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return ([], []) }
        var manifests: [Manifest] = []
        var errors: [ManifestError] = []
        for name in names.sorted() where !name.hasPrefix(".") && [".yaml", ".yml", ".json"].contains(where: name.hasSuffix) {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                errors.append(ManifestError(file: path, reason: "cannot be read"))
                continue
            }
            do {
                let manifest = try manifest(file: path, text: String(decoding: data, as: UTF8.self), nodeName: nodeName, nodeUID: nodeUID)
                if let other = manifests.first(where: { $0.namespace == manifest.namespace && $0.name == manifest.name }) {
                    errors.append(ManifestError(file: path, reason: "pod \(manifest.namespace)/\(manifest.name) is already defined by \(other.file)"))
                } else {
                    manifests.append(manifest)
                }
            } catch {
                errors.append(error)
            }
        }
        return (manifests, errors)
    }

    /// The mirror pod of one manifest (upstream's `applyDefaults` in `pkg/kubelet/config/common.go`):
    /// named `<name>-<node>`, namespace `default` unless given, bound to this node, owned by the
    /// Node, annotated with the content hash and tolerating every NoExecute taint.
    public static func manifest(file: String, text: String, nodeName: String, nodeUID: String?) throws(ManifestError) -> Manifest {
        let documents: [JSON]
        do {
            documents = try JSON.yamlDocuments(text)
        } catch {
            throw ManifestError(file: file, reason: error.description)
        }
        guard documents.count == 1, let pod = documents.first else {
            throw ManifestError(file: file, reason: documents.isEmpty ? "the file is empty" : "holds \(documents.count) documents; a static pod manifest holds one Pod")
        }
        guard pod["kind"].stringValue == "Pod", (pod["apiVersion"].stringValue ?? "v1") == "v1" else {
            throw ManifestError(file: file, reason: "is a \(pod["apiVersion"].stringValue ?? "?")/\(pod["kind"].stringValue ?? "?"), not a v1 Pod")
        }
        guard let name = pod["metadata"]["name"].stringValue, !name.isEmpty else {
            throw ManifestError(file: file, reason: "metadata.name is missing")
        }
        guard let containers = pod["spec"]["containers"].arrayValue, !containers.isEmpty else {
            throw ManifestError(file: file, reason: "spec.containers is empty")
        }
        if containers.contains(where: { ($0["name"].stringValue ?? "").isEmpty || ($0["image"].stringValue ?? "").isEmpty }) {
            throw ManifestError(file: file, reason: "every container needs a name and an image")
        }
        let mirrorName = "\(name)-\(nodeName.lowercased())"
        guard mirrorName.count <= 253 else { throw ManifestError(file: file, reason: "pod name \(mirrorName) is longer than 253 characters") }
        var mirror = pod
        mirror["apiVersion"] = "v1"
        mirror["metadata"]["name"] = .string(mirrorName)
        if (mirror["metadata"]["namespace"].stringValue ?? "").isEmpty { mirror["metadata"]["namespace"] = "default" }
        // What the API server sets is not the file's to say (JSON's nil is the null literal, so the
        // keys are removed from the objects).
        if var metadata = mirror["metadata"].objectValue {
            for field in ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink"] {
                metadata.removeValue(forKey: field)
            }
            mirror["metadata"] = .object(metadata)
        }
        if var object = mirror.objectValue {
            object.removeValue(forKey: "status")
            mirror = .object(object)
        }
        mirror["spec"]["nodeName"] = .string(nodeName)
        let hash = contentHash(mirror)
        var tolerations = mirror["spec"]["tolerations"].arrayValue ?? []
        tolerations.append(["operator": "Exists", "effect": "NoExecute"])
        mirror["spec"]["tolerations"] = .array(tolerations)
        if mirror["metadata"]["annotations"].objectValue == nil { mirror["metadata"]["annotations"] = [:] }
        mirror["metadata"]["annotations"][hashAnnotation] = .string(hash)
        mirror["metadata"]["annotations"][mirrorAnnotation] = .string(hash)
        mirror["metadata"]["annotations"][sourceAnnotation] = "file"
        if let nodeUID {
            mirror["metadata"]["ownerReferences"] = [[
                "apiVersion": "v1", "kind": "Node", "name": .string(nodeName), "uid": .string(nodeUID), "controller": true,
            ]]
        }
        return Manifest(file: file, mirror: mirror, hash: hash)
    }

    /// Whether `pod` is a mirror pod this kubelet wrote from a file.
    public static func isMirror(_ pod: JSON) -> Bool {
        pod["metadata"]["annotations"][mirrorAnnotation].stringValue != nil
            && pod["metadata"]["annotations"][sourceAnnotation].stringValue == "file"
    }

    /// 64-bit FNV-1a of the canonical bytes, in hex: it changes when the file's pod changes.
    static func contentHash(_ pod: JSON) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in pod.serialized() {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// What to do to bring the API's mirror pods in line with the files.
    public enum Action: Sendable, Equatable {
        case create(JSON)
        /// Deleted with the mirror's UID as precondition; a changed file's mirror is created again
        /// once the old one is gone.
        case delete(namespace: String, name: String, uid: String)
    }

    /// Compares the manifests with the mirror pods the API shows on this node. A pod of a
    /// manifest's name that is not a mirror (someone created it by hand) is left alone.
    public static func plan(manifests: [Manifest], existing: [JSON]) -> [Action] {
        var actions: [Action] = []
        var byKey: [String: JSON] = [:]
        for pod in existing {
            byKey["\(pod["metadata"]["namespace"].stringValue ?? "")/\(pod["metadata"]["name"].stringValue ?? "")"] = pod
        }
        var wanted = Set<String>()
        for manifest in manifests {
            let key = "\(manifest.namespace)/\(manifest.name)"
            wanted.insert(key)
            guard let current = byKey[key] else {
                actions.append(.create(manifest.mirror))
                continue
            }
            guard isMirror(current), current["metadata"]["deletionTimestamp"].isNull else { continue }
            if current["metadata"]["annotations"][hashAnnotation].stringValue != manifest.hash {
                actions.append(.delete(namespace: manifest.namespace, name: manifest.name, uid: current["metadata"]["uid"].stringValue ?? ""))
            }
        }
        for (key, pod) in byKey.sorted(by: { $0.key < $1.key }) where !wanted.contains(key) && isMirror(pod) {
            guard pod["metadata"]["deletionTimestamp"].isNull else { continue }
            actions.append(.delete(namespace: pod["metadata"]["namespace"].stringValue ?? "", name: pod["metadata"]["name"].stringValue ?? "",
                                   uid: pod["metadata"]["uid"].stringValue ?? ""))
        }
        return actions
    }
}
