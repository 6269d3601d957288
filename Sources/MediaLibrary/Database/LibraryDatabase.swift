import Foundation
import GRDB
import Logging
import MusicBoxCore

/// The box's SQLite database: one file, WAL mode, foreign keys on, migrated on open.
///
/// `synchronous = FULL`: a music box is unplugged without warning, and a change the box
/// said was saved must survive a power cut, not only a crash.
public final class LibraryDatabase: Sendable {
    public let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) and migrates the database at `path`.
    /// `upTo` stops at an older schema version; tests use it to build a database as an older box had it.
    public init(path: String, upTo version: String? = nil) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.label = "musicboxd.db"
        self.path = path
        self.pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets NORMAL on the writer when it enables WAL, after any prepareDatabase hook;
        // the writer connection lives as long as the pool, so setting it once here holds.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        if let version {
            try Schema.migrator.migrate(pool, upTo: version)
        } else {
            try Schema.migrator.migrate(pool)
        }
    }

    /// Migrations applied to this file, in order.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Schema.migrator.appliedIdentifiers(db) }.sorted {
            (Schema.versions.firstIndex(of: $0) ?? .max) < (Schema.versions.firstIndex(of: $1) ?? .max)
        }
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a sound file, otherwise SQLite's list of problems.
    public func integrityCheck() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// Writes the WAL back into the main file and closes every connection.
    public func close() throws {
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        try pool.close()
    }
}
