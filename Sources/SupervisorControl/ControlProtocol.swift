import SwiftletJSON

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
    public func encodedLine() -> [UInt8] {
        // Keys in a fixed order so the wire form is stable.
        var object: JSONObject = ["op": .string(operation)]
        if let component { object["component"] = .string(component) }
        return JSON.object(object).serialized() + [0x0A]
    }

    /// Parses one request line (without its newline). Errors say what was wrong.
    public static func parse(_ line: some Collection<UInt8>) throws(ControlError) -> ControlRequest {
        let parsed: JSON
        do {
            parsed = try JSON(parsing: line)
        } catch {
            throw .malformedRequest("not valid JSON")
        }
        guard case .object(let object) = parsed else {
            throw .malformedRequest("expected a JSON object")
        }
        guard let op = object["op"] else { throw .malformedRequest("missing \"op\"") }
        guard let op = op.stringValue else { throw .malformedRequest("\"op\" must be a string") }
        let component: String?
        switch object["component"] {
        case nil, .null?: component = nil
        case .string(let name)?: component = name
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
public struct ControlResponse: Sendable, Equatable {
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

    public var json: JSON {
        var object: JSONObject = ["ok": .bool(ok)]
        if let error { object["error"] = .string(error) }
        if let components { object["components"] = .array(components.map(\.json)) }
        if let previous { object["previous"] = previous.json }
        if let component { object["component"] = component.json }
        return .object(object)
    }

    /// The response as one line of JSON, newline included.
    public func encodedLine() -> [UInt8] {
        json.serialized() + [0x0A]
    }

    /// Parses one response line.
    public static func parse(_ line: some Collection<UInt8>) throws -> ControlResponse {
        let json: JSON
        do {
            json = try JSON(parsing: line)
        } catch {
            throw ControlError("malformed response from the supervisor: \(error)")
        }
        guard let ok = json["ok"].boolValue else { throw ControlError("malformed response: no \"ok\"") }
        func status(_ value: JSON) throws -> ComponentStatus? {
            value.isNull ? nil : try ComponentStatus(json: value)
        }
        return ControlResponse(
            ok: ok, error: json["error"].stringValue,
            components: try json["components"].arrayValue?.map { try ComponentStatus(json: $0) },
            previous: try status(json["previous"]), component: try status(json["component"]))
    }
}

/// Answers one request line with a handler; the socket server's whole application logic.
public enum ControlDispatcher {
    /// Never throws: every problem becomes a failure response.
    public static func respond(to line: some Collection<UInt8>, handler: some ControlHandler) async -> ControlResponse {
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
