import GRDB
import MusicBoxCore

/// Queries and changes of `tracks`. Track numbers stay 1-based and contiguous within a playlist.
public enum TrackRepository {
    /// Tracks of a playlist in play order.
    public static func tracks(_ db: Database, in playlist: PlaylistID) throws -> [Track] {
        try TrackRecord
            .filter(TrackRecord.Columns.playlistID == playlist.description)
            .order(TrackRecord.Columns.trackNumber)
            .fetchAll(db)
            .map { try $0.track() }
    }

    /// Every track of every playlist, each playlist's in play order.
    public static func all(_ db: Database) throws -> [Track] {
        try TrackRecord
            .order(TrackRecord.Columns.playlistID, TrackRecord.Columns.trackNumber)
            .fetchAll(db)
            .map { try $0.track() }
    }

    public static func track(_ db: Database, id: TrackID) throws -> Track? {
        try TrackRecord.fetchOne(db, key: id.description)?.track()
    }

    /// The media file name of a track, for playing it.
    public static func storedFileName(_ db: Database, id: TrackID) throws -> String? {
        try String.fetchOne(db, sql: "SELECT file_name FROM tracks WHERE id = ?", arguments: [id.description])
    }

    /// Adds a track at the end of a playlist; touches the playlist's `updated_at`.
    public static func append(_ db: Database, _ new: NewTrack, to playlist: PlaylistID, now: EpochMillis) throws -> Track {
        guard try PlaylistRepository.exists(db, id: playlist) else { throw BoxError.playlistNotFound(playlist) }
        let last = try Int.fetchOne(
            db, sql: "SELECT MAX(track_number) FROM tracks WHERE playlist_id = ?", arguments: [playlist.description]
        ) ?? 0
        let record = TrackRecord(
            id: new.id.description, playlistID: playlist.description, trackNumber: last + 1, title: new.title,
            artist: new.artist, album: new.album, durationMs: new.durationMs, fileName: new.storedFileName,
            originalFilename: new.originalFilename, fileSize: new.fileSize, sha256: new.sha256, createdAt: now
        )
        try record.insert(db)
        try touch(db, playlist: playlist, now: now)
        return try record.track()
    }

    /// Deletes a track and closes the gap in numbering. Returns its media file name,
    /// for the caller to remove after commit.
    public static func delete(_ db: Database, id: TrackID, now: EpochMillis) throws -> String {
        guard let record = try TrackRecord.fetchOne(db, key: id.description) else { throw BoxError.trackNotFound(id) }
        try record.delete(db)
        try shiftDown(db, playlist: record.playlistID, after: record.trackNumber)
        if let playlist = PlaylistID(record.playlistID) { try touch(db, playlist: playlist, now: now) }
        return record.fileName
    }

    /// Tracks of a playlist with the same content (SHA-256), for duplicate warnings.
    public static func tracks(_ db: Database, in playlist: PlaylistID, withSHA256 sha256: String) throws -> [Track] {
        try TrackRecord
            .filter(TrackRecord.Columns.playlistID == playlist.description && Column("sha256") == sha256)
            .fetchAll(db)
            .map { try $0.track() }
    }

    /// Every media file name the library refers to.
    public static func allStoredFileNames(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT file_name FROM tracks"))
    }

    /// Moves numbers above `number` down by one. SQLite checks UNIQUE row by row in no set order,
    /// so the rows first step out of the way (above any real number), then come back.
    private static func shiftDown(_ db: Database, playlist: String, after number: Int) throws {
        let offset = 1_000_000
        try db.execute(
            sql: "UPDATE tracks SET track_number = track_number + ? WHERE playlist_id = ? AND track_number > ?",
            arguments: [offset, playlist, number]
        )
        try db.execute(
            sql: "UPDATE tracks SET track_number = track_number - ? WHERE playlist_id = ? AND track_number > ?",
            arguments: [offset + 1, playlist, offset]
        )
    }

    private static func touch(_ db: Database, playlist: PlaylistID, now: EpochMillis) throws {
        try db.execute(sql: "UPDATE playlists SET updated_at = ? WHERE id = ?", arguments: [now, playlist.description])
    }
}
