import Foundation
import GRDB
import Logging
import MusicBoxCore

/// The box's ``LibraryStore``: SQLite through GRDB for rows, ``MediaFolder`` for files.
///
/// Writes run in ``write(_:)``, one transaction each (``GRDBLibraryTransaction``). A delete commits
/// the rows first and removes files after, so a crash in between leaves only orphan files, which
/// ``reconcileMediaFolder()`` removes at the next start.
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

    public func feed(for playlist: PlaylistID) async throws -> FeedState? {
        try await database.pool.read { db in try FeedRepository.feed(db, playlist: playlist) }
    }

    public func followedFeeds() async throws -> [PlaylistID] {
        try await database.pool.read { db in try FeedRepository.followed(db) }
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

    public func episodeProgress(in playlist: PlaylistID) throws -> [TrackID: EpisodeProgress]? {
        try database.pool.read { db in try FeedRepository.progress(db, playlist: playlist) }
    }

    public func commandTags() throws -> [CommandTag] {
        try database.pool.read { db in try CommandTagRepository.all(db) }
    }

    public func latestResumePoint() throws -> ResumePoint? {
        try database.pool.read { db in try ResumeRepository.latest(db) }
    }

    public func resumePoint(for playlist: PlaylistID) throws -> ResumePoint? {
        try database.pool.read { db in try ResumeRepository.load(db, playlist: playlist) }
    }

    public func write<T>(_ body: (any LibraryTransaction) throws -> T) throws -> T {
        let files = TransactionFiles()
        let value: T
        do {
            value = try database.pool.write { db in
                let result = try body(GRDBLibraryTransaction(db: db, media: media, files: files))
                // Renames into the folder reach the disk before the rows that name the files.
                if files.movedIn { media.syncDirectory() }
                return result
            }
        } catch {
            let left = media.remove(files.added)
            if !left.isEmpty { logger.warning("could not remove \(left.count) file(s) of a failed change; they are removed at next start") }
            throw error
        }
        for action in files.committed { action() }
        let failed = media.remove(files.deleted)
        if !failed.isEmpty { logger.warning("could not remove \(failed.count) media file(s); they are removed at next start") }
        return value
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
