import FoundationEssentials
import Glibc
import KubeAPI
import Logging

extension NodeAgent {
    /// Every `staticPodCheckInterval`: the manifests directory against the mirror pods in the API
    /// (created, replaced when their file changed, deleted when their file went away).
    func staticPodLoop() async {
        var reported: [String: String] = [:]
        while !Task.isCancelled {
            await syncStaticPods(reported: &reported)
            guard (try? await Task.sleep(for: options.staticPodCheckInterval)) != nil else { return }
        }
    }

    /// One pass. `reported` holds the manifest errors already logged (file -> reason), so a
    /// broken file is reported once per change, not every pass.
    func syncStaticPods(reported: inout [String: String]) async {
        let nodeUID = nodeInformer.cache.get(namespace: nil, name: options.nodeName)?["metadata"]["uid"].stringValue
        let (manifests, errors) = StaticPods.read(directory: options.staticPodDirectory, nodeName: options.nodeName, nodeUID: nodeUID)
        for error in errors where reported[error.file] != error.reason {
            logger.error("static pod manifest skipped", metadata: ["file": "\(error.file)", "reason": "\(error.reason)"])
        }
        reported = Dictionary(errors.map { ($0.file, $0.reason) }, uniquingKeysWith: { first, _ in first })
        for action in StaticPods.plan(manifests: manifests, existing: podInformer.cache.list()) {
            switch action {
            case .create(let mirror):
                let namespace = mirror["metadata"]["namespace"].stringValue
                do {
                    _ = try await client.create(.pods, namespace: namespace, object: mirror)
                    logger.info("mirror pod created for a static pod", metadata: [
                        "pod": "\(namespace ?? "")/\(mirror["metadata"]["name"].stringValue ?? "")"])
                } catch let error as StatusError where error.code == 409 {
                    // The informer has not shown it yet.
                } catch {
                    logger.warning("cannot create a mirror pod", metadata: [
                        "pod": "\(namespace ?? "")/\(mirror["metadata"]["name"].stringValue ?? "")", "error": "\(error)"])
                }
            case .delete(let namespace, let name, let uid):
                do {
                    // The pod's own grace period applies: the kubelet stops it as any deleted pod.
                    _ = try await client.delete(.pods, namespace: namespace, name: name, options: DeleteOptions(preconditionUID: uid))
                    logger.info("mirror pod deleted: its static pod manifest changed or was removed", metadata: ["pod": "\(namespace)/\(name)"])
                } catch let error as StatusError where error.code == 404 || error.code == 409 {
                    // Gone already, or replaced.
                } catch {
                    logger.warning("cannot delete a mirror pod", metadata: ["pod": "\(namespace)/\(name)", "error": "\(error)"])
                }
            }
        }
    }
}
