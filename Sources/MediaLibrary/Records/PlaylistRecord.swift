import GRDB
import MusicBoxCore

/// A row of `playlists`.
struct PlaylistRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "playlists"

    var id: String
    var title: String
    var description: String
    var position: Int
    var createdAt: Int64
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, title, description, position
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let position = Column(CodingKeys.position)
    }
}

/// A playlist row joined with what lists show about its tracks and tag.
struct PlaylistSummaryRow: Decodable, FetchableRecord {
    var id: String
    var title: String
    var description: String
    var position: Int
    var createdAt: Int64
    var updatedAt: Int64
    var trackCount: Int
    var totalDurationMs: Int64
    var nfcTagID: String?
    var coverTrackID: String?

    enum CodingKeys: String, CodingKey {
        case id, title, description, position
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case trackCount = "track_count"
        case totalDurationMs = "total_duration_ms"
        case nfcTagID = "nfc_tag_id"
        case coverTrackID = "cover_track_id"
    }

    /// The summary query; callers append `WHERE`/`ORDER BY`/`LIMIT`.
    /// The newest linked tag stands for the playlist when it has several.
    static let selectSQL = """
        SELECT p.id, p.title, p.description, p.position, p.created_at, p.updated_at,
               (SELECT COUNT(*) FROM tracks t WHERE t.playlist_id = p.id) AS track_count,
               (SELECT COALESCE(SUM(t.duration_ms), 0) FROM tracks t WHERE t.playlist_id = p.id) AS total_duration_ms,
               (SELECT g.tag_id FROM tags g WHERE g.playlist_id = p.id
                ORDER BY g.created_at DESC, g.tag_id LIMIT 1) AS nfc_tag_id,
               (SELECT t.id FROM tracks t WHERE t.playlist_id = p.id AND t.has_cover
                ORDER BY t.track_number LIMIT 1) AS cover_track_id
        FROM playlists p
        """

    func summary() throws -> PlaylistSummary {
        guard let playlistID = PlaylistID(id) else { throw LibraryCorruption("playlist id \(id) is not a UUID") }
        return PlaylistSummary(
            id: playlistID, title: title, description: description, nfcTagID: nfcTagID.flatMap(TagID.init),
            trackCount: trackCount, totalDurationMs: totalDurationMs, position: position,
            createdAt: createdAt, updatedAt: updatedAt, coverTrackID: coverTrackID.flatMap(TrackID.init)
        )
    }
}

/// A row that breaks the schema's own promises (edited by hand, or a bug). Reported, never papered over.
struct LibraryCorruption: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
