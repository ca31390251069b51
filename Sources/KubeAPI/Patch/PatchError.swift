/// Why a patch could not be applied. The apiserver turns it into a `Status` with `statusError`.
///
/// The split between the kinds follows upstream `apiserver/pkg/endpoints/handlers/patch.go`:
/// a patch that cannot even be read as its patch type is a 400, a well-formed patch that does not
/// fit this object (a JSON patch path that is missing, a list of lists, ...) is a 422.
public struct PatchError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The patch is malformed (HTTP 400 BadRequest).
        case badRequest
        /// The patch is well formed but cannot apply to this object (HTTP 422).
        case invalid
        /// A JSON patch `test` operation did not match (HTTP 422, like upstream).
        case testFailed
    }

    public var kind: Kind
    /// The reason, worded like upstream's where there is an upstream equivalent.
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// Factories, one per kind.
    public static func badRequest(_ message: String) -> PatchError { PatchError(kind: .badRequest, message: message) }
    public static func invalid(_ message: String) -> PatchError { PatchError(kind: .invalid, message: message) }
    public static func testFailed(_ message: String) -> PatchError { PatchError(kind: .testFailed, message: message) }

    public var description: String { message }

    /// The HTTP error upstream answers: 400 with the message for a malformed patch; otherwise
    /// `NewGenericServerResponse(422, ...)`, whose message is generic and whose single cause of type
    /// `UnexpectedServerResponse` carries the real reason.
    public var statusError: StatusError {
        switch kind {
        case .badRequest:
            return .badRequest(message)
        case .invalid, .testFailed:
            return StatusError(
                code: 422, reason: "Invalid",
                message: "the server rejected our request due to an error in our request",
                details: StatusError.Details(causes: [
                    StatusCause(reason: "UnexpectedServerResponse", message: message, field: ""),
                ]))
        }
    }
}
