import FoundationEssentials
import Glibc
import KubeAPI
import Synchronization

/// The service-account tokens of the pods on this node (upstream `pkg/kubelet/token`): one
/// TokenRequest per projection, kept until refresh is due (`ServiceAccountToken.refreshAt`), then
/// asked for again. A failed refresh keeps serving the old token while it is still valid.
final class ServiceAccountTokenManager: Sendable {
    typealias Fetch = @Sendable (ServiceAccountTokenRequest) async throws -> JSON

    private struct State {
        var tokens: [ServiceAccountTokenRequest: ServiceAccountToken] = [:]
        /// Pod uid -> the refresh time a resync is already queued for.
        var scheduled: [String: Date] = [:]
        /// Until when the API server is taken not to serve TokenRequest (asked again after that,
        /// rather than on every pod sync).
        var unavailableUntil: Date?
    }

    /// How long an API server without TokenRequest is not asked again.
    static let unavailableRecheck: TimeInterval = 60

    private let state = Mutex(State())
    private let fetch: Fetch
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - fetch: posts the TokenRequest body and returns the answer (a `StatusError` on refusal).
    ///   - now: the clock (injected by tests).
    init(fetch: @escaping Fetch, now: @escaping @Sendable () -> Date = { Date() }) {
        self.fetch = fetch
        self.now = now
    }

    /// The token for `request`: the cached one until its refresh time, a new one after.
    /// - Throws: `VolumeError` when there is no usable token (none cached, or the cached one
    ///   expired) and the request failed.
    func token(for request: ServiceAccountTokenRequest) async throws -> ServiceAccountToken {
        let cached = state.withLock { $0.tokens[request] }
        if let cached, !cached.needsRefresh(now: now()) { return cached }
        do {
            let answer = try await fetch(request)
            let token = try ServiceAccountToken(response: answer, requested: request, now: now())
            state.withLock { $0.tokens[request] = token }
            return token
        } catch {
            let reason = (error as? StatusError)?.message ?? "\(error)"
            guard let cached else {
                if Self.isUnavailable(error) { throw TokenRequestUnavailable() }
                throw VolumeError("failed to fetch token: \(reason)")
            }
            guard now() < cached.expiration else {
                throw VolumeError("token of service account \"\(request.serviceAccount)\" expired and refresh failed: \(reason)")
            }
            return cached
        }
    }

    /// What a projection gets: the token, the failure message, or `unavailable` when the API
    /// server does not serve TokenRequest at all.
    func projected(_ request: ServiceAccountTokenRequest) async -> ProjectedToken {
        let now = now()
        if let until = state.withLock({ $0.unavailableUntil }), now < until { return .unavailable }
        do {
            return .token(try await token(for: request).token)
        } catch is TokenRequestUnavailable {
            state.withLock { $0.unavailableUntil = now.addingTimeInterval(Self.unavailableRecheck) }
            return .unavailable
        } catch {
            return .failed((error as? VolumeError)?.description ?? "\(error)")
        }
    }

    /// Whether TokenRequest is served, asked once per failed request: 405 (a registered
    /// subresource this server does not serve) or a 404 that is not about the ServiceAccount
    /// (no such subresource) mean it is not.
    static func isUnavailable(_ error: any Error) -> Bool {
        guard let status = error as? StatusError else { return false }
        if status.code == 405 { return true }
        return status.code == 404 && status.details?.kind != "serviceaccounts"
    }

    /// The earliest refresh time of the pod's cached tokens, if it is not queued yet (so each
    /// refresh is scheduled once, however often the pod syncs). A refresh already due (the last
    /// one failed and the old token still serves) is retried after `retryDelay`.
    func refreshToSchedule(podUID: String, retryDelay: Duration = .seconds(10)) -> Date? {
        let now = now()
        return state.withLock { s in
            guard var next = s.tokens.filter({ $0.key.podUID == podUID }).map(\.value.refreshAt).min() else { return nil }
            if next <= now { next = now.addingTimeInterval(TimeInterval(retryDelay.components.seconds)) }
            guard s.scheduled[podUID] != next else { return nil }
            s.scheduled[podUID] = next
            return next
        }
    }

    /// Drops the tokens of a pod that is gone.
    func forget(podUID: String) {
        state.withLock { s in
            s.tokens = s.tokens.filter { $0.key.podUID != podUID }
            s.scheduled.removeValue(forKey: podUID)
        }
    }

    /// The number of cached tokens (for tests).
    var count: Int { state.withLock { $0.tokens.count } }
}

/// The API server does not serve `serviceaccounts/<name>/token`.
struct TokenRequestUnavailable: Error {}
