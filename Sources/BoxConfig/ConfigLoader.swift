import Foundation
import MusicBoxCore
import TOMLKit

/// A configuration problem, naming where it is and which key, so that the fix is obvious.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file path or `environment`.
    public var source: String
    /// The offending key (dotted) or environment variable, when there is one.
    public var key: String?
    public var message: String

    public var description: String { "\(source): \(message)" }

    public init(source: String, key: String?, message: String) {
        self.source = source
        self.key = key
        self.message = message
    }
}

/// Builds a ``DaemonConfig`` from defaults, then the config file, then `MUSICBOXD_*` environment
/// variables; each later source overrides the earlier. Anything unknown or ill-typed is an error.
public enum ConfigLoader {
    /// Places searched, in order, when no path is given.
    public static let searchPaths = ["./musicboxd.toml", "/etc/musicboxd/musicboxd.toml"]

    /// The config file to read: the explicit path, else `$MUSICBOXD_CONFIG`, else the first of
    /// ``searchPaths`` that exists, else none (all defaults). An explicit path that does not exist is an error.
    public static func locate(explicit: String?, environment: [String: String]) throws(ConfigError) -> String? {
        if let path = explicit ?? environment[ConfigSchema.configPathVariable] {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigError(source: path, key: nil, message: "the config file does not exist")
            }
            return path
        }
        return searchPaths.first { FileManager.default.fileExists(atPath: $0) }
    }

    public static func load(path: String?, environment: [String: String]) throws(ConfigError) -> DaemonConfig {
        var config = DaemonConfig()
        if let path {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigError(source: path, key: nil, message: "cannot read the config file: \(error.localizedDescription)")
            }
            try apply(toml: text, source: path, to: &config)
        }
        try applyEnvironment(environment, to: &config)
        return config
    }

    /// Applies a TOML document. Every key must be a known setting inside its section.
    public static func apply(toml text: String, source: String, to config: inout DaemonConfig) throws(ConfigError) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                source: source, key: nil,
                message: "not valid TOML at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)"
            )
        } catch {
            throw ConfigError(source: source, key: nil, message: "not valid TOML: \(error)")
        }
        for section in table.keys.sorted() {
            guard let sectionTable = table[section]?.table else {
                throw unknownKey(section, source: source, note: "settings belong in a [section]")
            }
            guard ConfigSchema.sectionDocumentation[section] != nil else {
                throw unknownKey(section, source: source, note: "no such section")
            }
            for name in sectionTable.keys.sorted() {
                let key = "\(section).\(name)"
                guard let setting = ConfigSchema.setting(forKey: key), let raw = sectionTable[name] else {
                    throw unknownKey(key, source: source, note: nil)
                }
                try assign(try value(of: raw, key: key, source: source), to: setting, in: &config, source: source)
            }
        }
    }

    /// Applies `MUSICBOXD_*` variables. An unknown one is an error, so a typo never goes unnoticed.
    public static func applyEnvironment(_ environment: [String: String], to config: inout DaemonConfig) throws(ConfigError) {
        let byName = Dictionary(uniqueKeysWithValues: ConfigSchema.settings.map { ($0.environmentName, $0) })
        for name in environment.keys.sorted() where name.hasPrefix("MUSICBOXD_") && name != ConfigSchema.configPathVariable {
            guard let setting = byName[name] else {
                let known = byName.keys.sorted()
                var message = "unknown variable \(name)"
                if let guess = closest(to: name, in: known) { message += " (did you mean \(guess)?)" }
                throw ConfigError(source: "environment", key: name, message: message)
            }
            try assign(setting.kind.parseEnvironment(environment[name]!), to: setting, in: &config, source: "environment")
        }
    }

    /// Applies values given by dotted key from another source (the command line); each is parsed
    /// like an environment variable and checked by the same schema.
    public static func applyOverrides(_ overrides: [String: String], source: String, to config: inout DaemonConfig) throws(ConfigError) {
        for key in overrides.keys.sorted() {
            guard let setting = ConfigSchema.setting(forKey: key) else {
                throw ConfigError(source: source, key: key, message: "unknown key '\(key)'")
            }
            try assign(setting.kind.parseEnvironment(overrides[key]!), to: setting, in: &config, source: source)
        }
    }

    private static func assign(
        _ value: ConfigValue, to setting: ConfigSetting, in config: inout DaemonConfig, source: String
    ) throws(ConfigError) {
        switch setting.kind.check(value) {
        case .success(let checked):
            setting.write(&config, checked)
        case .failure(let failure):
            let name = source == "environment" ? setting.environmentName : setting.key
            throw ConfigError(source: source, key: name, message: "\(name) must be \(failure.expected), got \(failure.got)")
        }
    }

    private static func value(of raw: any TOMLValueConvertible, key: String, source: String) throws(ConfigError) -> ConfigValue {
        switch raw.type {
        case .int: return .integer(raw.int ?? 0)
        case .string: return .string(raw.string ?? "")
        case .bool: return .boolean(raw.bool ?? false)
        default:
            let expected = ConfigSchema.setting(forKey: key)?.kind.expectation ?? "a plain value"
            throw ConfigError(source: source, key: key, message: "\(key) must be \(expected), got a \(raw.type)")
        }
    }

    private static func unknownKey(_ key: String, source: String, note: String?) -> ConfigError {
        var message = "unknown key '\(key)'"
        if let note { message += " (\(note))" }
        let candidates = ConfigSchema.settings.map(\.key) + ConfigSchema.settings.map(\.name)
        if let guess = closest(to: key, in: candidates) {
            let full = ConfigSchema.settings.first { $0.key == guess || $0.name == guess }?.key ?? guess
            message += "; did you mean '\(full)'?"
        }
        return ConfigError(source: source, key: key, message: message)
    }

    /// The candidate within a small edit distance, for "did you mean" hints.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 4) else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
