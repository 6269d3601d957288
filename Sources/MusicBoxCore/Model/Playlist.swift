/// A playlist as lists show it (the contract's `PlaylistLite`): no tracks, but their count and total length.
public struct PlaylistSummary: Codable, Sendable, Equatable {
    public var id: PlaylistID
    public var title: String
    public var description: String
    /// The NFC tag linked to this playlist, if any (one tag plays one playlist).
    public var nfcTagID: TagID?
    public var trackCount: Int
    public var totalDurationMs: Int64
    /// 0-based place of the playlist in the box's list.
    public var position: Int
    public var createdAt: EpochMillis
    public var updatedAt: EpochMillis
    /// The first track (in play order) that has a cover: the playlist's cover.
    public var coverTrackID: TrackID?

    public init(
        id: PlaylistID, title: String, description: String, nfcTagID: TagID?, trackCount: Int,
        totalDurationMs: Int64, position: Int, createdAt: EpochMillis, updatedAt: EpochMillis, coverTrackID: TrackID? = nil
    ) {
        self.coverTrackID = coverTrackID
        self.id = id
        self.title = title
        self.description = description
        self.nfcTagID = nfcTagID
        self.trackCount = trackCount
        self.totalDurationMs = totalDurationMs
        self.position = position
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, title, description, position
        case nfcTagID = "nfc_tag_id"
        case trackCount = "track_count"
        case totalDurationMs = "total_duration_ms"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case coverURL = "cover_url"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(PlaylistID.self, forKey: .id)
        title = try container.decode(String.self, forKey: .title)
        description = try container.decode(String.self, forKey: .description)
        nfcTagID = try container.decodeIfPresent(TagID.self, forKey: .nfcTagID)
        trackCount = try container.decode(Int.self, forKey: .trackCount)
        totalDurationMs = try container.decode(Int64.self, forKey: .totalDurationMs)
        position = try container.decode(Int.self, forKey: .position)
        createdAt = try container.decode(EpochMillis.self, forKey: .createdAt)
        updatedAt = try container.decode(EpochMillis.self, forKey: .updatedAt)
        // The URL names the playlist, not the track; a decoded summary only knows there is a cover.
        coverTrackID = nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encode(description, forKey: .description)
        // The contract shows `nfc_tag_id: null` rather than leaving the key out.
        try container.encode(nfcTagID, forKey: .nfcTagID)
        try container.encode(trackCount, forKey: .trackCount)
        try container.encode(totalDurationMs, forKey: .totalDurationMs)
        try container.encode(position, forKey: .position)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(coverTrackID == nil ? nil : "/api/playlists/\(id)/cover", forKey: .coverURL)
    }
}

/// A whole playlist with its tracks in play order (the contract's `Playlist`).
public struct PlaylistDetail: Codable, Sendable, Equatable {
    public var summary: PlaylistSummary
    public var tracks: [Track]

    public init(summary: PlaylistSummary, tracks: [Track]) {
        self.summary = summary
        self.tracks = tracks
    }

    enum CodingKeys: String, CodingKey { case tracks }

    // On the wire the summary's fields and `tracks` sit side by side in one object.
    public init(from decoder: any Decoder) throws {
        summary = try PlaylistSummary(from: decoder)
        tracks = try decoder.container(keyedBy: CodingKeys.self).decode([Track].self, forKey: .tracks)
    }

    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tracks, forKey: .tracks)
    }
}
