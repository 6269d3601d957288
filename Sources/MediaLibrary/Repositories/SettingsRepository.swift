import Foundation
import GRDB
import MusicBoxCore

/// Typed access to the key/value `settings` table. Values are stored as JSON.
public enum SettingsRepository {
    /// The stored value, or the key's default when none is stored.
    /// A stored value that no longer decodes as the key's type is a `LibraryCorruption` error:
    /// the caller decides whether to fall back, and the problem is not hidden.
    public static func value<Value>(_ db: Database, _ key: SettingKey<Value>) throws -> Value {
        guard let record = try SettingRecord.fetchOne(db, key: key.name) else { return key.defaultValue }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(record.value.utf8))
        } catch {
            throw LibraryCorruption("setting \(key.name) holds \(record.value), not a \(Value.self)")
        }
    }

    public static func set<Value>(_ db: Database, _ key: SettingKey<Value>, to value: Value, now: EpochMillis) throws {
        let json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        try SettingRecord(key: key.name, value: json, updatedAt: now).upsert(db)
    }

    /// Removes the stored value, so the default applies again.
    public static func reset<Value>(_ db: Database, _ key: SettingKey<Value>) throws {
        _ = try SettingRecord.deleteOne(db, key: key.name)
    }
}
