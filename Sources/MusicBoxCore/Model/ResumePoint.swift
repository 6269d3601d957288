/// Where a playlist was left: the track and the position in it.
/// `trackID` is `nil` when that track was deleted since; playback then starts the playlist over.
public struct ResumePoint: Sendable, Equatable, Codable {
    public var playlistID: PlaylistID
    public var trackID: TrackID?
    public var positionMs: Int64
    public var updatedAt: EpochMillis

    public init(playlistID: PlaylistID, trackID: TrackID?, positionMs: Int64, updatedAt: EpochMillis) {
        self.playlistID = playlistID
        self.trackID = trackID
        self.positionMs = positionMs
        self.updatedAt = updatedAt
    }
}

/// Where a playlist continues when its tag is tapped (or play is pressed with it last), as its
/// page shows it: the track, the position and, in an audiobook file, the chapter.
public struct ContinuePlace: Sendable, Equatable, Encodable {
    public var trackID: TrackID
    /// 0-based, in the playlist's own order.
    public var trackIndex: Int
    public var positionMs: Int64
    public var chapter: ChapterPlace?

    public init(track: Track, trackIndex: Int, positionMs: Int64) {
        trackID = track.id
        self.trackIndex = trackIndex
        self.positionMs = positionMs
        chapter = ChapterPlace(track.chapters, at: positionMs)
    }

    enum CodingKeys: String, CodingKey {
        case chapter
        case trackID = "track_id"
        case trackIndex = "track_index"
        case positionMs = "position_ms"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(trackID, forKey: .trackID)
        try container.encode(trackIndex, forKey: .trackIndex)
        try container.encode(positionMs, forKey: .positionMs)
        try container.encode(chapter, forKey: .chapter)
    }
}
