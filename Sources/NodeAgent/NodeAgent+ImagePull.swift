import CRI
import ContainerdSupport
import FoundationEssentials
import Glibc
import KubeAPI
import KubeClient
import Logging

extension NodeAgent {
    /// Pulls `image` for a container of `pod`, as upstream's image manager does: nothing while
    /// the pod's backoff for the image runs (the container waits in `ImagePullBackOff`), else
    /// one try per matching image pull secret credential, then the registries.yaml credentials
    /// (or none). A failure arms the backoff and leaves the container in `ErrImagePull`.
    /// Returns whether the image was pulled.
    func pull(image: String, pod: JSON, sandboxConfig: Runtime_V1_PodSandboxConfig, waitingKey: String) async -> Bool {
        let uid = pod["metadata"]["uid"].stringValue ?? ""
        let backoffKey = "\(uid)/\(image)"
        if let backoff = state.withLock({ $0.pullBackoffs[backoffKey] }), backoff.inBackoff(at: Date()) {
            let message = "Back-off pulling image \"\(image)\": ErrImagePull: \(backoff.lastError)"
            let fresh = state.withLock { s -> Bool in
                defer { s.waiting[waitingKey] = ("ImagePullBackOff", message) }
                return s.waiting[waitingKey]?.reason != "ImagePullBackOff"
            }
            if fresh { await event(pod, "Normal", "BackOff", "Back-off pulling image \"\(image)\"") }
            return false
        }
        let attempts = await pullAuths(pod: pod, image: image)
        await event(pod, "Normal", "Pulling", "Pulling image \"\(image)\"")
        let begin = ContinuousClock.now
        var errors: [String] = []
        for auth in attempts {
            do {
                _ = try await runtime.pullImage(image, auth: auth, sandboxConfig: sandboxConfig)
                state.withLock { _ = $0.pullBackoffs.removeValue(forKey: backoffKey) }
                await event(pod, "Normal", "Pulled", "Successfully pulled image \"\(image)\" in \(ContinuousClock.now - begin)")
                return true
            } catch let error as CRIError {
                if case .rpc(_, _, let message) = error { errors.append(message) } else { errors.append("\(error)") }
            } catch {
                errors.append("\(error)")
            }
        }
        let message = errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
        state.withLock { s in
            var backoff = s.pullBackoffs[backoffKey] ?? options.pullBackoff
            backoff.failed(at: Date(), error: message)
            s.pullBackoffs[backoffKey] = backoff
            s.waiting[waitingKey] = ("ErrImagePull", message)
        }
        logger.info("image pull failed", metadata: ["image": "\(image)", "pod": "\(ObjectCache.key(for: pod) ?? uid)", "error": "\(message)"])
        await event(pod, "Warning", "Failed", "Failed to pull image \"\(image)\": \(message)")
        await event(pod, "Warning", "Failed", "Error: ErrImagePull")
        return false
    }

    /// The credentials to try for a pull in order: those of the pod's image pull secrets that
    /// match the image, then the registries.yaml ones; nil is an anonymous pull (containerd's
    /// own config then applies). A missing secret or one that cannot be used is reported and
    /// left out: the pull goes on without it.
    func pullAuths(pod: JSON, image: String) async -> [Runtime_V1_AuthConfig?] {
        let names = PullSecrets.names(pod: pod)
        var secrets: [JSON] = []
        var missing: [String] = []
        if !names.isEmpty {
            let namespace = pod["metadata"]["namespace"].stringValue ?? "default"
            // Synced already when the volumes were set up; this only covers a slow first list.
            _ = await namespaceObjects.waitForSync(namespace, timeout: .seconds(5))
            for name in names {
                if let secret = namespaceObjects.secret(namespace: namespace, name: name) {
                    secrets.append(secret)
                } else {
                    missing.append(name)
                }
            }
        }
        if !missing.isEmpty {
            await event(pod, "Warning", "FailedToRetrieveImagePullSecret",
                        "Unable to retrieve some image pull secrets (\(missing.joined(separator: ", "))); attempting to pull the image may not succeed.")
        }
        let (keyring, problems) = PullSecrets.keyring(secrets: secrets)
        for problem in problems {
            logger.warning("unusable image pull secret", metadata: ["pod": "\(ObjectCache.key(for: pod) ?? "")", "problem": "\(problem)"])
        }
        var attempts: [Runtime_V1_AuthConfig?] = keyring.lookup(image: image).map { credential in
            var auth = Runtime_V1_AuthConfig()
            auth.username = credential.username
            auth.password = credential.password
            auth.identityToken = credential.identityToken
            auth.registryToken = credential.registryToken
            return auth
        }
        let fallback = options.registries.auth(forImage: image).map { registry in
            var auth = Runtime_V1_AuthConfig()
            auth.username = registry.username ?? ""
            auth.password = registry.password ?? ""
            auth.auth = registry.auth ?? ""
            auth.identityToken = registry.identityToken ?? ""
            return auth
        }
        if attempts.isEmpty || fallback != nil { attempts.append(fallback) }
        return attempts
    }
}
