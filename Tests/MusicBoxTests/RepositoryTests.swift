import Foundation
import GRDB
import MediaLibrary
import MusicBoxCore
import Testing

@Suite("Repositories")
struct RepositoryTests {
    let dir: TemporaryDirectory
    let database: LibraryDatabase

    init() throws {
        dir = try TemporaryDirectory()
        database = try LibraryDatabase(path: dir.file("box.sqlite").path)
    }

    // MARK: Playlists

    @Test("playlists keep contiguous positions and a real total across pages")
    func playlistPositionsAndPaging() throws {
        try database.pool.write { db in
            let created = try (0..<7).map { try PlaylistRepository.create(db, title: "P\($0)", description: "", now: Int64($0)) }
            #expect(created.map(\.position) == Array(0..<7))

            let page = try PlaylistRepository.page(db, offset: 3, limit: 3)
            #expect(page.total == 7)
            #expect(page.playlists.map(\.title) == ["P3", "P4", "P5"])
            #expect(try PlaylistRepository.page(db, offset: 6, limit: 3).playlists.map(\.title) == ["P6"])

            _ = try PlaylistRepository.delete(db, id: created[2].id)
            let all = try PlaylistRepository.page(db, offset: 0, limit: 100)
            #expect(all.total == 6)
            #expect(all.playlists.map(\.position) == Array(0..<6))
            #expect(all.playlists.map(\.title) == ["P0", "P1", "P3", "P4", "P5", "P6"])
        }
    }

    @Test("update changes only the given fields and the update time")
    func playlistUpdate() throws {
        try database.pool.write { db in
            let playlist = try PlaylistRepository.create(db, title: "Old", description: "keep", now: 100)
            let renamed = try PlaylistRepository.update(db, id: playlist.id, title: "New", description: nil, now: 200)
            #expect(renamed.title == "New")
            #expect(renamed.description == "keep")
            #expect(renamed.createdAt == 100)
            #expect(renamed.updatedAt == 200)
            let missing = PlaylistID()
            #expect(throws: BoxError.playlistNotFound(missing)) {
                try PlaylistRepository.update(db, id: missing, title: "x", description: nil, now: 1)
            }
        }
    }

    @Test("deleting a playlist removes its tracks, tags and resume point and returns its files")
    func playlistDeleteCascades() throws {
        try database.pool.write { db in
            let playlist = try PlaylistRepository.create(db, title: "Gone", description: "", now: 1)
            let keep = try PlaylistRepository.create(db, title: "Stays", description: "", now: 1)
            let tracks = try (1...3).map { try TrackRepository.append(db, .sample(title: "T\($0)"), to: playlist.id, now: 2) }
            let kept = try TrackRepository.append(db, .sample(title: "K"), to: keep.id, now: 2)
            try TagRepository.link(db, tag: TagID("aabbccdd")!, to: playlist.id, force: false, now: 3)
            try ResumeRepository.save(db, ResumePoint(playlistID: playlist.id, trackID: tracks[1].id, positionMs: 9, updatedAt: 4))

            let storedNames = try tracks.compactMap { try TrackRepository.storedFileName(db, id: $0.id) }
            let files = try PlaylistRepository.delete(db, id: playlist.id)
            #expect(files.count == 3)
            #expect(Set(files) == Set(storedNames))
            #expect(try TrackRecordCount(db, playlist: playlist.id) == 0)
            #expect(try TagRepository.playlist(db, for: TagID("aabbccdd")!) == nil)
            #expect(try ResumeRepository.load(db, playlist: playlist.id) == nil)
            #expect(try TrackRepository.tracks(db, in: keep.id).map(\.id) == [kept.id])
            #expect(throws: BoxError.playlistNotFound(playlist.id)) { try PlaylistRepository.delete(db, id: playlist.id) }
        }
    }

    // MARK: Tracks

    @Test("track numbers start at 1, stay contiguous after deletes, and feed the playlist totals")
    func trackNumbering() throws {
        try database.pool.write { db in
            let playlist = try PlaylistRepository.create(db, title: "Album", description: "", now: 1)
            let tracks = try (1...5).map {
                try TrackRepository.append(db, .sample(title: "T\($0)", durationMs: Int64($0) * 1000), to: playlist.id, now: 2)
            }
            #expect(tracks.map(\.trackNumber) == [1, 2, 3, 4, 5])

            let file = try TrackRepository.delete(db, id: tracks[1].id, now: 3)
            #expect(file.map(MediaFolder.isStoredFileName) == true)
            _ = try TrackRepository.delete(db, id: tracks[3].id, now: 4)
            let remaining = try TrackRepository.tracks(db, in: playlist.id)
            #expect(remaining.map(\.title) == ["T1", "T3", "T5"])
            #expect(remaining.map(\.trackNumber) == [1, 2, 3])

            let summary = try #require(try PlaylistRepository.summary(db, id: playlist.id))
            #expect(summary.trackCount == 3)
            #expect(summary.totalDurationMs == 9000)
            #expect(summary.updatedAt == 4)

            let next = try TrackRepository.append(db, .sample(title: "T6"), to: playlist.id, now: 5)
            #expect(next.trackNumber == 4)
            #expect(throws: BoxError.trackNotFound(tracks[1].id)) { try TrackRepository.delete(db, id: tracks[1].id, now: 6) }
        }
    }

    @Test("a track cannot be added to a missing playlist, nor share a number")
    func trackConstraints() throws {
        try database.pool.write { db in
            let missing = PlaylistID()
            #expect(throws: BoxError.playlistNotFound(missing)) { try TrackRepository.append(db, .sample(title: "x"), to: missing, now: 1) }
            let playlist = try PlaylistRepository.create(db, title: "P", description: "", now: 1)
            let track = try TrackRepository.append(db, .sample(title: "A"), to: playlist.id, now: 1)
            // The schema itself refuses a second track 1.
            #expect(throws: DatabaseError.self) {
                try db.execute(
                    sql: "INSERT INTO tracks (id, playlist_id, track_number, title, duration_ms, file_name, original_filename, file_size, sha256, created_at) VALUES (?, ?, 1, 'dup', 0, 'x', 'x', 0, '', 0)",
                    arguments: [TrackID().description, playlist.id.description]
                )
            }
            #expect(try TrackRepository.track(db, id: track.id)?.title == "A")
        }
    }

    @Test("tracks with the same content are found by hash")
    func duplicateByHash() throws {
        try database.pool.write { db in
            let playlist = try PlaylistRepository.create(db, title: "P", description: "", now: 1)
            _ = try TrackRepository.append(db, .sample(title: "A", sha256: "abc"), to: playlist.id, now: 1)
            _ = try TrackRepository.append(db, .sample(title: "B", sha256: "def"), to: playlist.id, now: 1)
            #expect(try TrackRepository.tracks(db, in: playlist.id, withSHA256: "abc").map(\.title) == ["A"])
        }
    }

    // MARK: Tags

    @Test("one tag plays one playlist; moving it needs force")
    func tagLinks() throws {
        try database.pool.write { db in
            let first = try PlaylistRepository.create(db, title: "One", description: "", now: 1)
            let second = try PlaylistRepository.create(db, title: "Two", description: "", now: 1)
            let tag = TagID("04:A1:B2:C3:D4:E5:F6")!
            #expect(tag.hex == "04a1b2c3d4e5f6")

            #expect(try TagRepository.link(db, tag: tag, to: first.id, force: false, now: 2) == nil)
            #expect(try TagRepository.playlist(db, for: tag) == first.id)
            do {
                try TagRepository.link(db, tag: tag, to: second.id, force: false, now: 3)
                Issue.record("linking a taken tag without force must fail")
            } catch let error as BoxError {
                #expect(error.code == .conflict)
                #expect(error.details["conflict_playlist_id"] == first.id.description)
            }
            #expect(try TagRepository.link(db, tag: tag, to: second.id, force: true, now: 4) == first.id)
            #expect(try TagRepository.playlist(db, for: tag) == second.id)
            #expect(try TagRepository.tags(db, of: first.id).isEmpty)
            #expect(try PlaylistRepository.summary(db, id: second.id)?.nfcTagID == tag)
            #expect(try TagRepository.unlink(db, tag: tag))
            #expect(try !TagRepository.unlink(db, tag: tag))
            #expect(try PlaylistRepository.summary(db, id: second.id)?.nfcTagID == nil)
        }
    }

    @Test("tag ids are validated hex of 4 to 10 bytes")
    func tagIDParsing() {
        #expect(TagID("04a1b2c3") != nil)
        #expect(TagID("04 A1 B2 C3 D4 E5 F6") != nil)
        #expect(TagID("04a1b2") == nil)
        #expect(TagID("zz a1 b2 c3") == nil)
        #expect(TagID("04a1b2c3d") == nil)
        #expect(TagID(String(repeating: "ab", count: 11)) == nil)
    }

    // MARK: Resume and settings

    @Test("resume points are saved, replaced, and lose their track when it is deleted")
    func resumePoints() throws {
        try database.pool.write { db in
            let playlist = try PlaylistRepository.create(db, title: "P", description: "", now: 1)
            let track = try TrackRepository.append(db, .sample(title: "A"), to: playlist.id, now: 1)
            #expect(try ResumeRepository.load(db, playlist: playlist.id) == nil)
            try ResumeRepository.save(db, ResumePoint(playlistID: playlist.id, trackID: track.id, positionMs: 1500, updatedAt: 2))
            try ResumeRepository.save(db, ResumePoint(playlistID: playlist.id, trackID: track.id, positionMs: 2500, updatedAt: 3))
            #expect(try ResumeRepository.load(db, playlist: playlist.id) == ResumePoint(playlistID: playlist.id, trackID: track.id, positionMs: 2500, updatedAt: 3))
            _ = try TrackRepository.delete(db, id: track.id, now: 4)
            let point = try #require(try ResumeRepository.load(db, playlist: playlist.id))
            #expect(point.trackID == nil)
            try ResumeRepository.clear(db, playlist: playlist.id)
            #expect(try ResumeRepository.load(db, playlist: playlist.id) == nil)
        }
    }

    @Test("settings are typed, default when unset, and report a stored value of the wrong type")
    func settings() throws {
        let title = SettingKey<String>("test_title", default: "none")
        let flags = SettingKey<[Bool]>("test_flags", default: [])
        try database.pool.write { db in
            #expect(try SettingsRepository.value(db, .testVolume) == 70)
            try SettingsRepository.set(db, .testVolume, to: 55, now: 1)
            try SettingsRepository.set(db, title, to: "Kitchen box", now: 1)
            try SettingsRepository.set(db, flags, to: [true, false], now: 1)
            #expect(try SettingsRepository.value(db, .testVolume) == 55)
            #expect(try SettingsRepository.value(db, title) == "Kitchen box")
            #expect(try SettingsRepository.value(db, flags) == [true, false])
            try SettingsRepository.reset(db, .testVolume)
            #expect(try SettingsRepository.value(db, .testVolume) == 70)

            try db.execute(sql: "UPDATE settings SET value = '\"loud\"' WHERE key = 'test_title'")
            #expect(throws: (any Error).self) { try SettingsRepository.value(db, SettingKey<Int>("test_title", default: 0)) }
        }
    }

    // MARK: Media folder

    @Test("the media folder only touches stored names and sweeps orphans")
    func mediaFolder() throws {
        let media = try MediaFolder(directory: dir.url.appendingPathComponent("media"))
        let id = TrackID()
        let name = MediaFolder.storedFileName(for: id, fileExtension: "MP3")
        #expect(name == "\(id).mp3")
        #expect(MediaFolder.storedFileName(for: id, fileExtension: "exe") == "\(id).bin")
        #expect(!MediaFolder.isStoredFileName("../../etc/passwd"))
        #expect(!MediaFolder.isStoredFileName("\(id).mp3/../x"))
        #expect(throws: BoxError.self) { try media.url(of: "../box.sqlite") }

        let kept = try media.url(of: name)
        try Data("audio".utf8).write(to: kept)
        let orphan = media.directory.appendingPathComponent("\(TrackID()).flac")
        try Data("old".utf8).write(to: orphan)
        let stray = media.directory.appendingPathComponent("upload.partial")
        try Data("half".utf8).write(to: stray)

        let removed = try media.sweep(keeping: [name])
        #expect(Set(removed) == [orphan.lastPathComponent, stray.lastPathComponent])
        #expect(FileManager.default.fileExists(atPath: kept.path))
        #expect(media.remove([name, "\(TrackID()).mp3"]).isEmpty)  // already-gone is fine
        #expect(!FileManager.default.fileExists(atPath: kept.path))
    }
}

private func TrackRecordCount(_ db: Database, playlist: PlaylistID) throws -> Int {
    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tracks WHERE playlist_id = ?", arguments: [playlist.description]) ?? -1
}
