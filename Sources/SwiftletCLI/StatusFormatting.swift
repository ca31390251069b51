import FoundationEssentials
import SupervisorControl
import SwiftletJSON

/// How `swiftlet status`, `restart`, `stop` and `start` print what the supervisor said.
/// Pure functions of their inputs, so the CLI's output is tested without a socket.
public enum StatusFormatting {
    /// Column headers of `swiftlet status`.
    public static let headers = ["COMPONENT", "STATE", "PID", "UPTIME", "RESTARTS", "LAST-EXIT", "READY", "HEALTHY"]

    /// A compact duration like kubectl's AGE: `45s`, `5m`, `3h2m`, `2d3h`.
    public static func uptime(_ duration: Duration) -> String {
        let total = max(0, duration.components.seconds)
        let days = total / 86_400, hours = total % 86_400 / 3_600, minutes = total % 3_600 / 60
        switch total {
        case ..<60: return "\(total)s"
        case ..<3_600: return "\(minutes)m"
        case ..<86_400: return minutes == 0 ? "\(hours)h" : "\(hours)h\(minutes)m"
        default: return hours == 0 ? "\(days)d" : "\(days)d\(hours)h"
        }
    }

    /// The uptime of a component's process at `now`, `-` without one.
    public static func uptime(of component: ComponentStatus, now: Date) -> String {
        guard component.pid != nil, let startedAt = component.startedAt else { return "-" }
        return uptime(.seconds(now.timeIntervalSince1970 - startedAt))
    }

    /// The table of `swiftlet status`: a header line and one line per component, columns separated
    /// by at least three spaces as kubectl does.
    public static func table(_ components: [ComponentStatus], now: Date) -> String {
        let rows = components.map { component in
            [
                component.name, component.state, component.pid.map(String.init) ?? "-",
                uptime(of: component, now: now), String(component.restarts), component.lastExit ?? "-",
                String(component.ready), String(component.healthy),
            ]
        }
        return alignedColumns([headers] + rows)
    }

    /// `{"components":[...]}`, pretty-printed.
    public static func json(_ components: [ComponentStatus]) -> String {
        JSON.object(["components": .array(components.map(\.json))]).prettyString
    }

    /// One line about an action's outcome, e.g. `restarted apiserver (pid 123 -> 456)`.
    public static func actionSummary(_ request: ControlRequest, response: ControlResponse) -> String {
        let name = request.component ?? "?"
        let before = response.previous?.pid
        let after = response.component?.pid
        switch request {
        case .status:
            return "status of \(response.components?.count ?? 0) components"
        case .restart:
            switch (before, after) {
            case let (old?, new?): return "restarted \(name) (pid \(old) -> \(new))"
            case let (nil, new?): return "restarted \(name) (pid \(new))"
            default: return "restarted \(name)" + stateSuffix(response.component)
            }
        case .stop:
            if let old = before { return "stopped \(name) (pid \(old))" }
            return "stopped \(name)" + stateSuffix(response.component)
        case .start:
            if let new = after { return "started \(name) (pid \(new))" }
            return "started \(name)" + stateSuffix(response.component)
        }
    }

    private static func stateSuffix(_ component: ComponentStatus?) -> String {
        component.map { " (state \($0.state))" } ?? ""
    }

    /// Left-aligned columns, three spaces apart, no trailing spaces.
    public static func alignedColumns(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            var line = ""
            for (index, cell) in row.enumerated() {
                line += cell
                if index < row.count - 1 { line += String(repeating: " ", count: widths[index] - cell.count + 3) }
            }
            return line
        }.joined(separator: "\n") + "\n"
    }
}
