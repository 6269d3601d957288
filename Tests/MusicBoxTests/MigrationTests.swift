import Foundation
import GRDB
import MediaLibrary
import MusicBoxCore
import Testing

@Suite("Schema migrations")
struct MigrationTests {
    @Test("a fresh database gets every migration, WAL, foreign keys and FULL sync")
    func freshDatabase() throws {
        let dir = try TemporaryDirectory()
        let database = try LibraryDatabase(path: dir.file("box.sqlite").path)
        #expect(try database.appliedMigrations() == Schema.versions)
        try database.pool.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            #expect(try Int.fetchOne(db, sql: "PRAGMA foreign_keys") == 1)
            for table in ["playlists", "tracks", "tags", "resume", "settings"] {
                #expect(try db.tableExists(table), "missing table \(table)")
            }
            let trackColumns = try db.columns(in: "tracks").map(\.name)
            #expect(Set(trackColumns) == [
                "id", "playlist_id", "track_number", "title", "artist", "album", "duration_ms", "file_name",
                "original_filename", "file_size", "sha256", "created_at",
            ])
        }
        let synchronous = try database.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(synchronous == 2)  // FULL
        #expect(try database.integrityCheck() == ["ok"])
    }

    @Test("opening an up-to-date database again changes nothing")
    func reopenIsIdempotent() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("box.sqlite").path
        let first = try LibraryDatabase(path: path)
        let id = try first.pool.write { db in try PlaylistRepository.create(db, title: "A", description: "", now: 1).id }
        try first.close()
        let second = try LibraryDatabase(path: path)
        #expect(try second.appliedMigrations() == Schema.versions)
        #expect(try second.pool.read { db in try PlaylistRepository.summary(db, id: id)?.title } == "A")
    }

    @Test("a database of the previous schema version upgrades and keeps its data")
    func upgradeFromPreviousVersion() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("box.sqlite").path
        let previous = Schema.versions[Schema.versions.count - 2]

        // The database as the previous version of the box left it.
        let old = try LibraryDatabase(path: path, upTo: previous)
        #expect(try old.appliedMigrations() == Array(Schema.versions.dropLast()))
        let (playlist, track) = try old.pool.write { db in
            #expect(try !db.tableExists("resume"))
            let playlist = try PlaylistRepository.create(db, title: "Bedtime", description: "soft", now: 10)
            let track = try TrackRepository.append(db, .sample(title: "Lullaby"), to: playlist.id, now: 11)
            try TagRepository.link(db, tag: TagID("04a1b2c3")!, to: playlist.id, force: false, now: 12)
            return (playlist, track)
        }
        try old.close()

        // The current daemon opens it.
        let upgraded = try LibraryDatabase(path: path)
        #expect(try upgraded.appliedMigrations() == Schema.versions)
        try upgraded.pool.write { db in
            let summary = try #require(try PlaylistRepository.summary(db, id: playlist.id))
            #expect(summary.title == "Bedtime")
            #expect(summary.trackCount == 1)
            #expect(summary.nfcTagID == TagID("04a1b2c3"))
            #expect(try TrackRepository.tracks(db, in: playlist.id).map(\.id) == [track.id])
            // The new tables work against the old rows.
            try ResumeRepository.save(db, ResumePoint(playlistID: playlist.id, trackID: track.id, positionMs: 5000, updatedAt: 20))
            #expect(try ResumeRepository.load(db, playlist: playlist.id)?.positionMs == 5000)
            try SettingsRepository.set(db, .testVolume, to: 42, now: 21)
            #expect(try SettingsRepository.value(db, .testVolume) == 42)
        }
        #expect(try upgraded.integrityCheck() == ["ok"])
    }
}

extension NewTrack {
    static func sample(title: String, durationMs: Int64 = 1000, sha256: String = "00") -> NewTrack {
        let id = TrackID()
        return NewTrack(
            id: id, title: title, durationMs: durationMs, storedFileName: MediaFolder.storedFileName(for: id, fileExtension: "mp3"),
            originalFilename: "\(title).mp3", fileSize: 1234, sha256: sha256
        )
    }
}

extension SettingKey where Value == Int {
    static var testVolume: SettingKey<Int> { SettingKey("test_volume", default: 70) }
}
