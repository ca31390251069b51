import NIOHTTP1

/// When to retry an answer: client-go retries 429 (and 5xx with Retry-After) after the delay the
/// server asks for, a bounded number of times.
struct RetryPolicy: Sendable {
    var maxRetries: Int
    var maxDelay: Duration

    /// The delay before the next attempt, or nil to give the answer to the caller.
    func delay(status: Int, headers: HTTPHeaders, attempt: Int) -> Duration? {
        guard attempt < maxRetries else { return nil }
        let retryAfter = headers.first(name: "retry-after").flatMap { Int($0.trimmingWhitespace()) }
        switch status {
        case 429: break
        // A 5xx only when the server says it is worth retrying.
        case 500...599 where retryAfter != nil: break
        default: return nil
        }
        let seconds = max(1, retryAfter ?? 1)
        return min(.seconds(seconds), maxDelay)
    }
}
