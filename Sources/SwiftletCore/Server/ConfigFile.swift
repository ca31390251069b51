import FoundationEssentials
import SwiftletYAML

/// One parsed configuration file (`/etc/swiftlet/config.yaml` or a drop-in of `config.yaml.d`).
public struct ConfigFile: Sendable, Equatable {
    /// The file's path, for error messages.
    public let path: String
    /// The settings in the file, in file order.
    public let values: [(ServerSetting, RawSetting)]

    public init(path: String, values: [(ServerSetting, RawSetting)]) {
        self.path = path
        self.values = values
    }

    public static func == (lhs: ConfigFile, rhs: ConfigFile) -> Bool {
        lhs.path == rhs.path && lhs.values.elementsEqual(rhs.values) { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// Parses YAML text: a mapping of known keys to scalars (or lists for list settings).
    ///
    /// Scalars are taken as their literal text, not as YAML-typed values, so `write-kubeconfig-mode:
    /// 0644` means octal 644 rather than YAML 1.1's integer 420. Null values (`key:` alone) are
    /// ignored. Unknown keys are errors, so a typo never goes unnoticed.
    public static func parse(_ text: String, path: String) throws -> ConfigFile {
        let root: YAMLNode?
        do {
            root = try YAML.compose(text)
        } catch {
            throw ServerConfigError(source: .file(path), key: nil, message: "not valid YAML: \(error)")
        }
        guard let root else { return ConfigFile(path: path, values: []) }
        if root.isNull { return ConfigFile(path: path, values: []) }
        guard case .mapping(let mapping) = root else {
            throw ServerConfigError(source: .file(path), key: nil, message: "expected a mapping of settings at the top level")
        }
        var values: [(ServerSetting, RawSetting)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ServerConfigError(source: .file(path), key: nil, message: "keys must be plain strings")
            }
            let key = keyScalar.string
            guard let setting = ServerSetting(rawValue: key) else {
                throw ServerConfigError(source: .file(path), key: key, message: "unknown key")
            }
            switch valueNode {
            case .scalar(let scalar):
                if scalar.isNull { continue }
                values.append((setting, .scalar(scalar.string)))
            case .sequence(let sequence):
                var items: [String] = []
                for item in sequence {
                    guard case .scalar(let scalar) = item else {
                        throw ServerConfigError(source: .file(path), key: key, message: "list items must be plain values")
                    }
                    items.append(scalar.string)
                }
                guard setting.isList || items.count <= 1 else {
                    throw ServerConfigError(source: .file(path), key: key, message: "expected a single value, not a list")
                }
                values.append((setting, .list(items)))
            case .mapping:
                throw ServerConfigError(source: .file(path), key: key, message: "expected a value, not a mapping")
            default:
                throw ServerConfigError(source: .file(path), key: key, message: "unsupported YAML value")
            }
        }
        return ConfigFile(path: path, values: values)
    }
}

/// Finds and reads the configuration files: the main file, then `<main>.d/*.yaml` in name order
/// (later files override earlier ones, as with K3s).
public enum ConfigFiles {
    /// The paths to read for `main`, in application order. A missing main file is skipped unless it
    /// was named explicitly (`--config` / `SWIFTLET_CONFIG_FILE`), which is an error.
    public static func paths(main: String, explicit: Bool, fileManager: FileManager = .default) throws -> [String] {
        var result: [String] = []
        var isDirectory = false
        if fileManager.fileExists(atPath: main, isDirectory: &isDirectory), !isDirectory {
            result.append(main)
        } else if explicit {
            throw ServerConfigError(source: .file(main), key: nil, message: "config file not found")
        }
        let dropIns = main + ".d"
        if let names = try? fileManager.contentsOfDirectory(atPath: dropIns) {
            // Byte order, not locale order, so `10-x.yaml` and `9-y.yaml` sort the same everywhere.
            let sorted = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            result += sorted.map { dropIns + "/" + $0 }
        }
        return result
    }

    /// Reads and parses every file of `paths(main:explicit:)`.
    public static func load(main: String, explicit: Bool) throws -> [ConfigFile] {
        try paths(main: main, explicit: explicit).map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ServerConfigError(source: .file(path), key: nil, message: "cannot read the file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ServerConfigError(source: .file(path), key: nil, message: "the file is not UTF-8 text")
            }
            return try ConfigFile.parse(text, path: path)
        }
    }
}
