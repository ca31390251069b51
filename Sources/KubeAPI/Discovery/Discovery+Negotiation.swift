extension Discovery {
    /// Chooses the discovery format for an `Accept` header: `"v2"` or `"v2beta1"` for aggregated
    /// discovery, nil for the legacy documents.
    ///
    /// Media ranges are tried in client preference order (by `q`, ties in the order sent). The
    /// first one this server can answer wins: an aggregated one only when it names exactly
    /// `g=apidiscovery.k8s.io`, `as=APIGroupDiscoveryList` and a version we serve (kubectl 1.29
    /// asks only for `v2beta1`, and answering `v2` breaks it); a JSON range without `as` means
    /// legacy. Ranges asking for another profile (`as=Table`) or another type are skipped.
    /// Nothing acceptable, or an empty header, also gives legacy.
    public static func negotiateAggregated(accept: String) -> String? {
        for range in MediaRange.parseList(accept) {
            guard range.type == "application/json" || range.type == "application/*" || range.type == "*/*" else { continue }
            guard let profile = range.parameters["as"] else {
                return nil  // plain JSON: the legacy documents
            }
            if profile == "APIGroupDiscoveryList", range.parameters["g"] == "apidiscovery.k8s.io",
                let version = range.parameters["v"], aggregatedVersions.contains(version)
            {
                return version
            }
        }
        return nil
    }
}

extension Discovery {
    /// One entry of an `Accept` header.
    struct MediaRange: Equatable {
        /// `type/subtype`, lowercased.
        var type: String
        /// Parameters other than `q`; keys lowercased, values as sent (unquoted).
        var parameters: [String: String]
        var quality: Double

        /// Parses an `Accept` header into ranges sorted by quality (stable), dropping `q=0` and
        /// malformed entries rather than failing the request.
        static func parseList(_ header: String) -> [MediaRange] {
            var ranges: [MediaRange] = []
            for clause in header.split(separator: ",") {
                let parts = clause.split(separator: ";").map { $0.trimmingWhitespace() }
                guard let first = parts.first, first.contains("/") else { continue }
                var range = MediaRange(type: first.lowercased(), parameters: [:], quality: 1)
                for part in parts.dropFirst() {
                    guard let eq = part.firstIndex(of: "=") else { continue }
                    let key = part[..<eq].trimmingWhitespace().lowercased()
                    var value = part[part.index(after: eq)...].trimmingWhitespace()
                    if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                    if key == "q" {
                        range.quality = Double(value).map { min(max($0, 0), 1) } ?? 1
                    } else {
                        range.parameters[key] = value
                    }
                }
                if range.quality > 0 { ranges.append(range) }
            }
            return ranges.enumerated().sorted { a, b in
                a.element.quality != b.element.quality ? a.element.quality > b.element.quality : a.offset < b.offset
            }.map(\.element)
        }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String { self[...].trimmingWhitespace() }
}
