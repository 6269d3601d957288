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
            for table in ["playlists", "tracks", "tags", "resume", "settings", "artwork", "feeds", "feed_episodes"] {
                #expect(try db.tableExists(table), "missing table \(table)")
            }
            let trackColumns = try db.columns(in: "tracks").map(\.name)
            #expect(Set(trackColumns) == [
                "id", "playlist_id", "track_number", "title", "artist", "album", "duration_ms", "file_name",
                "original_filename", "file_size", "sha256", "created_at", "has_cover", "kind", "source_url", "chapters",
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

        // The database as the previous version of the box left it, written with plain SQL (the
        // repositories speak the current schema).
        let old = try LibraryDatabase(path: path, upTo: previous)
        #expect(try old.appliedMigrations() == Array(Schema.versions.dropLast()))
        let playlist = PlaylistID(), track = TrackID()
        try old.pool.write { db in
            #expect(try !db.columns(in: "tracks").contains { $0.name == "chapters" })
            try db.execute(
                sql: "INSERT INTO playlists (id, title, description, position, created_at, updated_at) VALUES (?, 'Bedtime', 'soft', 0, 10, 10)",
                arguments: [playlist.description]
            )
            try db.execute(
                sql: """
                    INSERT INTO tracks (id, playlist_id, track_number, title, duration_ms, file_name, original_filename, file_size, sha256, created_at)
                    VALUES (?, ?, 1, 'Lullaby', 1000, ?, 'Lullaby.mp3', 1234, '00', 11)
                    """,
                arguments: [track.description, playlist.description, "\(track).mp3"]
            )
            try db.execute(sql: "INSERT INTO tags (tag_id, playlist_id, created_at) VALUES ('04a1b2c3', ?, 12)", arguments: [playlist.description])
            try db.execute(sql: "INSERT INTO resume (playlist_id, track_id, position_ms, updated_at) VALUES (?, ?, 5000, 13)", arguments: [playlist.description, track.description])
        }
        try old.close()

        // The current daemon opens it.
        let upgraded = try LibraryDatabase(path: path)
        #expect(try upgraded.appliedMigrations() == Schema.versions)
        try upgraded.pool.write { db in
            let summary = try #require(try PlaylistRepository.summary(db, id: playlist))
            #expect(summary.title == "Bedtime")
            #expect(summary.trackCount == 1)
            #expect(summary.nfcTagID == TagID("04a1b2c3"))
            #expect(summary.coverTrackID == nil)
            let tracks = try TrackRepository.tracks(db, in: playlist)
            #expect(tracks.map(\.id) == [track] && tracks.map(\.hasCover) == [false] && tracks.map(\.source) == [.file])
            #expect(try ResumeRepository.load(db, playlist: playlist)?.positionMs == 5000)
            // The new table works against the old rows.
            let second = try TrackRepository.append(db, .sample(title: "Moon", artwork: Artwork(mimeType: "image/png", data: Data([0x89, 0x50, 0x4E, 0x47]))), to: playlist, now: 20)
            #expect(second.hasCover)
            #expect(try TrackRepository.artwork(db, track: second.id)?.mimeType == "image/png")
            #expect(try PlaylistRepository.summary(db, id: playlist)?.coverTrackID == second.id)
            // Streams go in beside the old files.
            let stream = try TrackRepository.appendStream(db, NewStream(url: "http://radio.example/a", title: "Radio"), to: playlist, now: 21)
            #expect(stream.source == .stream(url: "http://radio.example/a") && stream.trackNumber == 3)
            // And the playlist can follow a podcast.
            try FeedRepository.follow(db, playlist: playlist, url: "http://feeds.example/a.xml", keep: 2, now: 22)
            #expect(try FeedRepository.feed(db, playlist: playlist)?.keep == 2)
            // The old tag becomes a command tag only by force, and leaves its playlist then.
            #expect(throws: BoxError.self) { try CommandTagRepository.link(db, tag: TagID("04a1b2c3")!, to: TagCommand(action: .stop), force: false, now: 23) }
            #expect(try CommandTagRepository.link(db, tag: TagID("04a1b2c3")!, to: TagCommand(action: .stop), force: true, now: 23) == playlist)
            #expect(try CommandTagRepository.all(db).map(\.command) == [TagCommand(action: .stop)])
            #expect(try PlaylistRepository.summary(db, id: playlist)?.nfcTagID == nil)
            // The old track has no chapters; a new one keeps its own.
            #expect(tracks[0].chapters.isEmpty)
            var book = NewTrack.sample(title: "Book", durationMs: 20_000)
            book.chapters = Chapters.kept([Chapter(title: "One", startMs: 0, endMs: 0), Chapter(title: "Two", startMs: 10_000, endMs: 0)], durationMs: 20_000)
            let added = try TrackRepository.append(db, book, to: playlist, now: 24)
            #expect(try TrackRepository.track(db, id: added.id)?.chapters.map(\.title) == ["One", "Two"])
        }
        #expect(try upgraded.integrityCheck() == ["ok"])
    }
}

extension NewTrack {
    static func sample(title: String, durationMs: Int64 = 1000, sha256: String = "00", artwork: Artwork? = nil) -> NewTrack {
        let id = TrackID()
        return NewTrack(
            id: id, title: title, durationMs: durationMs, storedFileName: MediaFolder.storedFileName(for: id, fileExtension: "mp3"),
            originalFilename: "\(title).mp3", fileSize: 1234, sha256: sha256, artwork: artwork
        )
    }
}

extension SettingKey where Value == Int {
    static var testVolume: SettingKey<Int> { SettingKey("test_volume", default: 70) }
}
