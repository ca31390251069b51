/// core/v1 ConfigMap, Secret and Namespace.
enum ConfigAdmission {
    /// `core.MaxSecretSize`, also the ConfigMap limit.
    static let maxSize = 1024 * 1024
    static let immutableMessage = "field is immutable when `immutable` is set"

    /// Keys valid, sizes summed; returns the total size of the values.
    static func validateDataKeys(_ data: JSON, _ path: FieldPath, base64: Bool, into errs: inout ErrorList) -> Int {
        var total = 0
        for (key, value) in data.object {
            errs.check(path.key(key), key, NameValidation.isConfigMapKey(key))
            if base64 {
                switch Base64.decodedCount(value.string) {
                case .success(let n): total += n
                case .failure(let offset):
                    errs.append(.invalid(path.key(key), "<secret contents redacted>", "illegal base64 data at input byte \(offset.offset)"))
                }
            } else {
                total += value.string.utf8.count
            }
        }
        return total
    }

    static func validateImmutable(_ new: JSON, _ old: JSON, keys: [String], into errs: inout ErrorList) {
        guard old["immutable"].boolValue == true else { return }
        if new["immutable"].boolValue != true { errs.append(.forbidden(FieldPath("immutable"), immutableMessage)) }
        for key in keys where !SemanticJSON.equal(new[key], old[key]) {
            errs.append(.forbidden(FieldPath(key), immutableMessage))
        }
    }

    // MARK: ConfigMap

    static let configMap = KindRules(
        nameRule: .dns1123Subdomain,
        validate: { cm, _, errs in
            var total = validateDataKeys(cm["data"], FieldPath("data"), base64: false, into: &errs)
            for key in cm["data"].object.keys where cm["binaryData"].object[key] != nil {
                errs.append(.invalid(FieldPath("data").key(key), key, "duplicate of key present in binaryData"))
            }
            total += validateDataKeys(cm["binaryData"], FieldPath("binaryData"), base64: true, into: &errs)
            if total > maxSize { errs.append(.tooLong(FieldPath(""), maxSize)) }
        },
        validateUpdate: { cm, old, errs in validateImmutable(cm, old, keys: ["data", "binaryData"], into: &errs) }
    )

    // MARK: Secret

    /// Defaulting plus the v1 conversion: `stringData` is merged into `data` (base64) and dropped.
    static func setSecretDefaults(_ secret: inout JSON) {
        secret.setDefaultIfEmpty("type", "Opaque")
        guard let stringData = secret["stringData"].objectValue else {
            if case .object(var o) = secret, o["stringData"] != nil {
                o["stringData"] = nil
                secret = .object(o)
            }
            return
        }
        var data = secret["data"].object
        for (k, v) in stringData { data[k] = .string(Base64.encode(Array(v.string.utf8))) }
        if case .object(var o) = secret {
            o["stringData"] = nil
            o["data"] = .object(data)
            secret = .object(o)
        }
    }

    static let secret = KindRules(
        nameRule: .dns1123Subdomain,
        setDefaults: setSecretDefaults,
        validate: { s, _, errs in
            let dataPath = FieldPath("data")
            let data = s["data"]
            let total = validateDataKeys(data, dataPath, base64: true, into: &errs)
            if total > maxSize { errs.append(.tooLong(dataPath, maxSize)) }
            func has(_ key: String) -> Bool { data.object[key] != nil }
            switch s["type"].string {
            case "kubernetes.io/service-account-token":
                if s["metadata"]["annotations"]["kubernetes.io/service-account.name"].string.isEmpty {
                    errs.append(.required(FieldPath("metadata", "annotations").key("kubernetes.io/service-account.name")))
                }
            case "kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson":
                let key = s["type"].string == "kubernetes.io/dockercfg" ? ".dockercfg" : ".dockerconfigjson"
                if !has(key) {
                    errs.append(.required(dataPath.key(key)))
                } else if let bytes = Base64.decode(data[key].string),
                          (try? JSON(parsing: String(decoding: bytes, as: UTF8.self)))?.isObject != true {
                    errs.append(.invalid(dataPath.key(key), "<secret contents redacted>", "invalid character looking for beginning of value"))
                }
            case "kubernetes.io/basic-auth":
                if !has("username") && !has("password") {
                    errs.append(.required(dataPath.key("username")))
                    errs.append(.required(dataPath.key("password")))
                }
            case "kubernetes.io/ssh-auth":
                if data["ssh-privatekey"].string.isEmpty { errs.append(.required(dataPath.key("ssh-privatekey"))) }
            case "kubernetes.io/tls":
                if !has("tls.crt") { errs.append(.required(dataPath.key("tls.crt"))) }
                if !has("tls.key") { errs.append(.required(dataPath.key("tls.key"))) }
            default: break
            }
        },
        validateUpdate: { s, old, errs in
            errs.immutable(FieldPath("type"), new: s["type"], old: old["type"])
            validateImmutable(s, old, keys: ["data"], into: &errs)
        }
    )

    // MARK: Namespace

    static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

    static let namespace = KindRules(
        nameRule: .dns1123Label,
        setDefaults: { ns in
            let name = ns["metadata"]["name"].string
            if !name.isEmpty { ns["metadata"]["labels"]["kubernetes.io/metadata.name"] = .string(name) }
            ns.update("status") { s in s.setDefaultIfEmpty("phase", "Active") }
        },
        prepareForCreate: { ns in
            ns["status"] = ["phase": "Active"]
            var finalizers = ns["spec"]["finalizers"].array
            if !finalizers.contains(.string("kubernetes")) { finalizers.append("kubernetes") }
            ns["spec"]["finalizers"] = .array(finalizers)
        },
        prepareForUpdate: { ns, old in
            // Finalizers change through the finalize subresource (the apiserver applies them after
            // admission), status through status (split by subresource before admission).
            ns["spec"]["finalizers"] = old["spec"]["finalizers"]
        },
        validate: { ns, _, errs in
            let path = FieldPath("spec", "finalizers")
            for f in ns["spec"]["finalizers"].array.map(\.string) {
                errs.check(path, f, NameValidation.isQualifiedName(f))
                if !f.contains("/"), !standardFinalizers.contains(f) {
                    errs.append(.invalid(path, f, "name is neither a standard finalizer name nor is it fully qualified"))
                }
            }
        }
    )
}

/// Standard base64 with padding, as Go's `encoding/json` uses for `[]byte`.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    struct CorruptInput: Error { var offset: Int }

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i]
            let b1 = i + 1 < bytes.count ? bytes[i + 1] : 0
            let b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 65...90: return c - 65
        case 97...122: return c - 71
        case 48...57: return c + 4
        case 43: return 62
        case 47: return 63
        default: return nil
        }
    }

    /// Decodes; nil when the text is not valid padded base64.
    static func decode(_ text: String) -> [UInt8]? {
        guard case .success = decodedCount(text) else { return nil }
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            guard let v = value(c) else { continue }  // '=' and line breaks
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }

    /// The decoded length, or the offset Go's decoder reports as corrupt.
    static func decodedCount(_ text: String) -> Result<Int, CorruptInput> {
        let input = Array(text.utf8)
        var count = 0
        var j = 0  // position inside the current 4-character quantum
        var quantumStart = 0
        var i = 0
        var padded = false
        while i < input.count {
            let c = input[i]
            if c == 10 || c == 13 { i += 1; continue }
            if padded { return .failure(CorruptInput(offset: i)) }
            if c == UInt8(ascii: "=") {
                // Padding may only complete a quantum that already has two or three characters.
                guard j >= 2 else { return .failure(CorruptInput(offset: i)) }
                let needed = 4 - j
                var k = i
                var seen = 0
                while k < input.count, seen < needed {
                    if input[k] == 10 || input[k] == 13 { k += 1; continue }
                    guard input[k] == UInt8(ascii: "=") else { return .failure(CorruptInput(offset: k)) }
                    seen += 1
                    k += 1
                }
                guard seen == needed else { return .failure(CorruptInput(offset: input.count)) }
                count += j - 1
                padded = true
                j = 0
                i = k
                continue
            }
            guard value(c) != nil else { return .failure(CorruptInput(offset: i)) }
            if j == 0 { quantumStart = i }
            j += 1
            if j == 4 {
                count += 3
                j = 0
            }
            i += 1
        }
        if j != 0 { return .failure(CorruptInput(offset: quantumStart)) }
        return .success(count)
    }
}
