import GRDB
import MusicBoxCore

/// Queries and changes of `playlists`. Functions take a `Database` so that callers
/// compose several of them in one transaction.
public enum PlaylistRepository {
    public static func create(_ db: Database, title: String, description: String, now: EpochMillis) throws -> PlaylistSummary {
        let position = try PlaylistRecord.fetchCount(db)
        let id = PlaylistID()
        try PlaylistRecord(
            id: id.description, title: title, description: description, position: position,
            createdAt: now, updatedAt: now
        ).insert(db)
        return try summary(db, id: id)!
    }

    public static func summary(_ db: Database, id: PlaylistID) throws -> PlaylistSummary? {
        try PlaylistSummaryRow.fetchOne(db, sql: PlaylistSummaryRow.selectSQL + " WHERE p.id = ?", arguments: [id.description])?
            .summary()
    }

    public static func exists(_ db: Database, id: PlaylistID) throws -> Bool {
        try PlaylistRecord.exists(db, key: id.description)
    }

    /// Playlists in the box's order, `limit` of them starting at `offset`, and how many there are in all.
    public static func page(_ db: Database, offset: Int, limit: Int) throws -> PlaylistPage {
        let rows = try PlaylistSummaryRow.fetchAll(
            db, sql: PlaylistSummaryRow.selectSQL + " ORDER BY p.position, p.created_at LIMIT ? OFFSET ?",
            arguments: [limit, offset]
        )
        return PlaylistPage(playlists: try rows.map { try $0.summary() }, total: try PlaylistRecord.fetchCount(db))
    }

    /// Every playlist with its tracks, in the box's order (two queries, whatever the size).
    public static func all(_ db: Database) throws -> [PlaylistDetail] {
        let rows = try PlaylistSummaryRow.fetchAll(db, sql: PlaylistSummaryRow.selectSQL + " ORDER BY p.position, p.created_at")
        let tracks = Dictionary(grouping: try TrackRepository.all(db), by: \.playlistID)
        return try rows.map { row in
            let summary = try row.summary()
            return PlaylistDetail(summary: summary, tracks: tracks[summary.id] ?? [])
        }
    }

    public static func detail(_ db: Database, id: PlaylistID) throws -> PlaylistDetail? {
        guard let summary = try summary(db, id: id) else { return nil }
        return PlaylistDetail(summary: summary, tracks: try TrackRepository.tracks(db, in: id))
    }

    public static func update(
        _ db: Database, id: PlaylistID, title: String?, description: String?, now: EpochMillis
    ) throws -> PlaylistSummary {
        guard var record = try PlaylistRecord.fetchOne(db, key: id.description) else { throw BoxError.playlistNotFound(id) }
        if let title { record.title = title }
        if let description { record.description = description }
        record.updatedAt = now
        try record.update(db)
        return try summary(db, id: id)!
    }

    /// Deletes the row (tracks, tags and resume point go with it by cascade) and closes the gap
    /// in positions. Returns the media file names of its tracks, for the caller to remove after commit.
    public static func delete(_ db: Database, id: PlaylistID) throws -> [String] {
        guard let record = try PlaylistRecord.fetchOne(db, key: id.description) else { throw BoxError.playlistNotFound(id) }
        let files = try String.fetchAll(
            db, sql: "SELECT file_name FROM tracks WHERE playlist_id = ? AND kind = 'file'", arguments: [record.id]
        )
        try record.delete(db)
        try db.execute(sql: "UPDATE playlists SET position = position - 1 WHERE position > ?", arguments: [record.position])
        return files
    }
}
