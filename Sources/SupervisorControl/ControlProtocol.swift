import Foundation

/// One request on the control socket: a JSON object on one line, e.g. `{"op":"status"}` or
/// `{"op":"restart","component":"apiserver"}`.
public enum ControlRequest: Sendable, Equatable {
    case status
    case restart(String)
    case stop(String)
    case start(String)

    /// The operations in the order help text lists them.
    public static let operations = ["status", "restart", "stop", "start"]

    /// The `op` field.
    public var operation: String {
        switch self {
        case .status: "status"
        case .restart: "restart"
        case .stop: "stop"
        case .start: "start"
        }
    }

    /// The `component` field, nil for `status`.
    public var component: String? {
        switch self {
        case .status: nil
        case .restart(let name), .stop(let name), .start(let name): name
        }
    }

    /// The request as one line of JSON, newline included.
    public func encodedLine() -> Data {
        var object: [String: String] = ["op": operation]
        if let component { object["component"] = component }
        // Keys are sorted so the wire form is stable; serializing a [String: String] cannot fail.
        var data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        data.append(0x0A)
        return data
    }

    /// Parses one request line (without its newline). Errors say what was wrong.
    public static func parse(_ line: Data) throws(ControlError) -> ControlRequest {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: line, options: [])
        } catch {
            throw .malformedRequest("not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw .malformedRequest("expected a JSON object")
        }
        guard let op = object["op"] else { throw .malformedRequest("missing \"op\"") }
        guard let op = op as? String else { throw .malformedRequest("\"op\" must be a string") }
        let component: String?
        switch object["component"] {
        case nil, is NSNull: component = nil
        case let name as String: component = name
        default: throw .malformedRequest("\"component\" must be a string")
        }
        func named() throws(ControlError) -> String {
            guard let component, !component.isEmpty else {
                throw ControlError("op \"\(op)\" needs a \"component\"")
            }
            return component
        }
        switch op {
        case "status": return .status
        case "restart": return .restart(try named())
        case "stop": return .stop(try named())
        case "start": return .start(try named())
        default:
            throw ControlError("unknown op \"\(op)\"; ops: \(operations.joined(separator: ", "))")
        }
    }
}

/// One response line: `{"ok":true,"components":[...]}` for `status`,
/// `{"ok":true,"previous":{...},"component":{...}}` for actions, `{"ok":false,"error":"..."}` on failure.
public struct ControlResponse: Codable, Sendable, Equatable {
    public var ok: Bool
    /// The failure, when `ok` is false.
    public var error: String?
    /// Every component, for `status`.
    public var components: [ComponentStatus]?
    /// For actions: the component's status before the action.
    public var previous: ComponentStatus?
    /// For actions: the component's status after the action.
    public var component: ComponentStatus?

    public init(
        ok: Bool, error: String? = nil, components: [ComponentStatus]? = nil,
        previous: ComponentStatus? = nil, component: ComponentStatus? = nil
    ) {
        self.ok = ok
        self.error = error
        self.components = components
        self.previous = previous
        self.component = component
    }

    /// A failure response.
    public static func failure(_ message: String) -> ControlResponse {
        ControlResponse(ok: false, error: message)
    }

    /// The response as one line of JSON, newline included.
    public func encodedLine() -> Data {
        var data: Data
        do {
            data = try ControlCoding.encoder().encode(self)
        } catch {
            // Only non-conforming values could fail here; still answer with valid JSON.
            data = Data(#"{"ok":false,"error":"cannot encode the response"}"#.utf8)
        }
        data.append(0x0A)
        return data
    }

    /// Parses one response line.
    public static func parse(_ line: Data) throws -> ControlResponse {
        try ControlCoding.decoder().decode(ControlResponse.self, from: line)
    }
}

/// JSON settings shared by both ends: RFC 3339 dates, sorted keys.
public enum ControlCoding {
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Answers one request line with a handler; the socket server's whole application logic.
public enum ControlDispatcher {
    /// Never throws: every problem becomes a failure response.
    public static func respond(to line: Data, handler: some ControlHandler) async -> ControlResponse {
        let request: ControlRequest
        do {
            request = try ControlRequest.parse(line)
        } catch {
            return .failure(error.message)
        }
        return await respond(to: request, handler: handler)
    }

    public static func respond(to request: ControlRequest, handler: some ControlHandler) async -> ControlResponse {
        guard let name = request.component else {
            return ControlResponse(ok: true, components: await handler.status())
        }
        let before = await handler.status().first { $0.name == name }
        do {
            switch request {
            case .status: break
            case .restart: try await handler.restart(name)
            case .stop: try await handler.stop(name)
            case .start: try await handler.start(name)
            }
        } catch let error as ControlError {
            return .failure(error.message)
        } catch {
            return .failure(String(describing: error))
        }
        let after = await handler.status().first { $0.name == name }
        return ControlResponse(ok: true, previous: before, component: after)
    }
}
