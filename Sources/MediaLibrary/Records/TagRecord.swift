import GRDB

/// A row of `tags`: one NFC tag linked to one playlist.
struct TagRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "tags"

    var tagID: String
    var playlistID: String
    var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case tagID = "tag_id"
        case playlistID = "playlist_id"
        case createdAt = "created_at"
    }

    enum Columns {
        static let playlistID = Column(CodingKeys.playlistID)
    }
}

/// A row of `resume`: where a playlist was left.
struct ResumeRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "resume"

    var playlistID: String
    var trackID: String?
    var positionMs: Int64
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case playlistID = "playlist_id"
        case trackID = "track_id"
        case positionMs = "position_ms"
        case updatedAt = "updated_at"
    }
}

/// A row of `settings`: one key, its value as JSON.
struct SettingRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "settings"

    var key: String
    var value: String
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case key, value
        case updatedAt = "updated_at"
    }
}
