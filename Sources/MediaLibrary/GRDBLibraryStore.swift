import Foundation
import GRDB
import Logging
import MusicBoxCore

/// The box's ``LibraryStore``: SQLite through GRDB for rows, ``MediaFolder`` for files.
///
/// A delete commits the rows first and removes files after, so a crash in between leaves
/// only orphan files, which ``reconcileMediaFolder()`` removes at the next start.
public final class GRDBLibraryStore: LibraryStore {
    public let database: LibraryDatabase
    public let media: MediaFolder
    private let logger: Logger

    public init(database: LibraryDatabase, media: MediaFolder, logger: Logger = Logger(label: "musicboxd.library")) {
        self.database = database
        self.media = media
        self.logger = logger
    }

    // MARK: Reads

    public func playlistPage(offset: Int, limit: Int) async throws -> PlaylistPage {
        try await database.pool.read { db in try PlaylistRepository.page(db, offset: offset, limit: limit) }
    }

    public func playlist(_ id: PlaylistID) async throws -> PlaylistDetail? {
        try await database.pool.read { db in try PlaylistRepository.detail(db, id: id) }
    }

    public func ping() async throws {
        _ = try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func artwork(for track: TrackID) async throws -> Artwork? {
        try await database.pool.read { db in try TrackRepository.artwork(db, track: track) }
    }

    public func audioFile(for track: TrackID) async throws -> TrackFile? {
        guard let file = try await database.pool.read({ db in try TrackRepository.file(db, track: track) }) else { return nil }
        return TrackFile(path: try media.url(of: file.storedName).path, originalName: file.originalName)
    }

    public func tracks(in playlist: PlaylistID, withSHA256 sha256: String) async throws -> [Track] {
        try await database.pool.read { db in try TrackRepository.tracks(db, in: playlist, withSHA256: sha256) }
    }

    /// The path of a track's audio file, for the playback engine (`nil` when the track is gone).
    /// A synchronous read of the reader pool; the engine calls it from its decoder thread.
    public func mediaPath(for track: TrackID) -> String? {
        guard let name = try? database.pool.read({ db in try TrackRepository.storedFileName(db, id: track) }) else { return nil }
        return try? media.url(of: name).path
    }

    // MARK: Writes

    public func loadLibrary() throws -> [PlaylistDetail] {
        try database.pool.read { db in try PlaylistRepository.all(db) }
    }

    public func setting<Value>(_ key: SettingKey<Value>) throws -> Value {
        try database.pool.read { db in try SettingsRepository.value(db, key) }
    }

    public func setSetting<Value>(_ key: SettingKey<Value>, to value: Value, now: EpochMillis) throws {
        try database.pool.write { db in try SettingsRepository.set(db, key, to: value, now: now) }
    }

    public func addTrack(_ new: NewTrack, stagedFile: String, to playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail {
        let destination = try media.url(of: new.storedFileName)
        guard rename(stagedFile, destination.path) == 0 else {
            throw BoxError(.storageError, "Could not move the upload into the media folder: \(String(cString: strerror(errno))).")
        }
        media.syncDirectory()
        do {
            return try database.pool.write { db in
                _ = try TrackRepository.append(db, new, to: playlist, now: now)
                return try PlaylistRepository.detail(db, id: playlist)!
            }
        } catch {
            media.remove([new.storedFileName])
            throw error
        }
    }

    public func deleteTracks(_ tracks: [TrackID], from playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail {
        let (detail, files) = try database.pool.write { db in
            guard try PlaylistRepository.exists(db, id: playlist) else { throw BoxError.playlistNotFound(playlist) }
            let own = Set(try TrackRepository.tracks(db, in: playlist).map(\.id))
            if let stranger = tracks.first(where: { !own.contains($0) }) {
                throw BoxError(.notFound, "Playlist \(playlist) has no track \(stranger).", details: ["track_id": stranger.description])
            }
            let files = try Set(tracks).map { try TrackRepository.delete(db, id: $0, now: now) }
            return (try PlaylistRepository.detail(db, id: playlist)!, files)
        }
        let failed = media.remove(files)
        if !failed.isEmpty { logger.warning("could not remove \(failed.count) media file(s); they are removed at next start") }
        return detail
    }

    public func reorderTracks(in playlist: PlaylistID, order: [TrackID], now: EpochMillis) throws -> PlaylistDetail {
        try database.pool.write { db in
            try TrackRepository.reorder(db, playlist: playlist, order: order, now: now)
            return try PlaylistRepository.detail(db, id: playlist)!
        }
    }

    public func moveTrack(_ track: TrackID, to playlist: PlaylistID, position: Int?, now: EpochMillis) throws -> [PlaylistDetail] {
        try database.pool.write { db in
            let source = try TrackRepository.move(db, track: track, to: playlist, position: position, now: now)
            return try (source == playlist ? [playlist] : [source, playlist]).map { try PlaylistRepository.detail(db, id: $0)! }
        }
    }

    public func updateTrack(_ track: TrackID, title: String?, artist: String?, album: String?, now: EpochMillis) throws -> PlaylistDetail {
        try database.pool.write { db in
            let updated = try TrackRepository.update(db, id: track, title: title, artist: artist, album: album, now: now)
            return try PlaylistRepository.detail(db, id: updated.playlistID)!
        }
    }

    public func resumePoint(for playlist: PlaylistID) throws -> ResumePoint? {
        try database.pool.read { db in try ResumeRepository.load(db, playlist: playlist) }
    }

    public func saveResumePoint(_ point: ResumePoint) throws {
        try database.pool.write { db in try ResumeRepository.save(db, point) }
    }

    public func clearResumePoint(for playlist: PlaylistID) throws {
        try database.pool.write { db in try ResumeRepository.clear(db, playlist: playlist) }
    }

    public func linkTag(_ tag: TagID, to playlist: PlaylistID, force: Bool, now: EpochMillis) throws -> [PlaylistSummary] {
        try database.pool.write { db in
            let previous = try TagRepository.link(db, tag: tag, to: playlist, force: force, now: now)
            guard previous != playlist else { return [] }
            return try [playlist, previous].compactMap { id in try id.flatMap { try PlaylistRepository.summary(db, id: $0) } }
        }
    }

    public func unlinkTag(_ tag: TagID, now: EpochMillis) throws -> PlaylistSummary {
        try database.pool.write { db in
            guard let playlist = try TagRepository.playlist(db, for: tag) else {
                throw BoxError(.notFound, "Tag \(tag) is not linked to any playlist.", details: ["tag_id": tag.hex])
            }
            try TagRepository.unlink(db, tag: tag)
            return try PlaylistRepository.summary(db, id: playlist)!
        }
    }

    public func createPlaylist(title: String, description: String, now: EpochMillis) throws -> PlaylistSummary {
        try database.pool.write { db in
            try PlaylistRepository.create(db, title: title, description: description, now: now)
        }
    }

    public func updatePlaylist(_ id: PlaylistID, title: String?, description: String?, now: EpochMillis) throws -> PlaylistSummary {
        try database.pool.write { db in
            try PlaylistRepository.update(db, id: id, title: title, description: description, now: now)
        }
    }

    public func deletePlaylist(_ id: PlaylistID) throws {
        let files = try database.pool.write { db in try PlaylistRepository.delete(db, id: id) }
        let failed = media.remove(files)
        if !failed.isEmpty {
            logger.warning("could not remove \(failed.count) media file(s) of deleted playlist \(id); they are removed at next start")
        }
    }

    // MARK: Start-up

    /// Makes the media folder agree with the rows after a crash: files no track refers to (an upload
    /// renamed in but never committed, a delete committed but its file not yet removed) are removed.
    /// Tracks whose file is missing are only logged: uploads never leave one behind (the file is
    /// in place before the row commits), so a missing file was removed by hand, and the parent
    /// should see the track fail to play and decide, rather than have it vanish.
    public func reconcileMediaFolder() throws {
        let known = try database.pool.read { db in try TrackRepository.allStoredFileNames(db) }
        let removed = try media.sweep(keeping: known)
        if !removed.isEmpty {
            logger.notice("removed \(removed.count) orphan file(s) from the media folder: \(removed.joined(separator: ", "))")
        }
        let missing = known.filter { name in
            (try? media.url(of: name)).map { !FileManager.default.fileExists(atPath: $0.path) } ?? true
        }
        if !missing.isEmpty {
            logger.warning("\(missing.count) track(s) have no file in the media folder: \(missing.sorted().joined(separator: ", "))")
        }
    }
}

extension GRDBLibraryStore {
    /// The SQLite this binary uses, as loaded ("SQLite 3.46.1").
    public static var library: String {
        let version = (try? DatabaseQueue().read { try String.fetchOne($0, sql: "SELECT sqlite_version()") }) ?? nil
        return "SQLite \(version ?? "unknown")"
    }
}
