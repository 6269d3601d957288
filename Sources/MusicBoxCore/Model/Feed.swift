/// A podcast a playlist follows: its feed's address, how many of the newest episodes the box
/// keeps downloaded, when it last looked, and why that failed if it did (the episodes it knew
/// stay).
public struct FeedState: Sendable, Equatable, Encodable {
    public var playlistID: PlaylistID
    public var url: String
    /// Newest episodes kept downloaded.
    public var keep: Int
    public var checkedAt: EpochMillis?
    /// Why the last look failed, for people (`nil`: it worked).
    public var error: String?
    /// Newest first.
    public var episodes: [FeedEpisodeState]

    public init(playlistID: PlaylistID, url: String, keep: Int, checkedAt: EpochMillis?, error: String?, episodes: [FeedEpisodeState]) {
        self.playlistID = playlistID
        self.url = url
        self.keep = keep
        self.checkedAt = checkedAt
        self.error = error
        self.episodes = episodes
    }

    /// The newest `keep` episodes not downloaded yet, newest first.
    public var toDownload: [FeedEpisodeState] { Array(episodes.prefix(keep).filter { $0.trackID == nil }) }

    enum CodingKeys: String, CodingKey {
        case url, keep, error, episodes
        case playlistID = "playlist_id"
        case checkedAt = "checked_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(playlistID, forKey: .playlistID)
        try container.encode(url, forKey: .url)
        try container.encode(keep, forKey: .keep)
        try container.encode(checkedAt, forKey: .checkedAt)
        try container.encode(error, forKey: .error)
        try container.encode(episodes, forKey: .episodes)
    }
}

/// One episode as the feed lists it.
public struct FeedEpisode: Sendable, Equatable {
    /// The feed's own id of it (RSS `guid`), else its audio's address.
    public var guid: String
    public var title: String
    public var publishedAt: EpochMillis?
    /// As the feed states it (`itunes:duration`); the downloaded file's own length wins.
    public var durationMs: Int64?
    /// The audio (RSS `enclosure`).
    public var url: String

    public init(guid: String, title: String, publishedAt: EpochMillis?, durationMs: Int64?, url: String) {
        self.guid = guid
        self.title = title
        self.publishedAt = publishedAt
        self.durationMs = durationMs
        self.url = url
    }
}

/// An episode with what the box made of it: the track it downloaded into (`nil`: not downloaded).
public struct FeedEpisodeState: Sendable, Equatable, Encodable {
    public var episode: FeedEpisode
    public var trackID: TrackID?

    public init(episode: FeedEpisode, trackID: TrackID?) {
        self.episode = episode
        self.trackID = trackID
    }

    enum CodingKeys: String, CodingKey {
        case guid, title, url
        case publishedAt = "published_at"
        case durationMs = "duration_ms"
        case trackID = "track_id"
        case downloaded
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(episode.guid, forKey: .guid)
        try container.encode(episode.title, forKey: .title)
        try container.encode(episode.url, forKey: .url)
        try container.encode(episode.publishedAt, forKey: .publishedAt)
        try container.encode(episode.durationMs, forKey: .durationMs)
        try container.encode(trackID, forKey: .trackID)
        try container.encode(trackID != nil, forKey: .downloaded)
    }
}

/// Where a listener is in one podcast episode (each episode keeps its own place), and whether
/// it was heard to its end.
public struct EpisodeProgress: Sendable, Equatable {
    public var trackID: TrackID
    public var positionMs: Int64
    public var finished: Bool
    public var updatedAt: EpochMillis

    public init(trackID: TrackID, positionMs: Int64, finished: Bool, updatedAt: EpochMillis) {
        self.trackID = trackID
        self.positionMs = positionMs
        self.finished = finished
        self.updatedAt = updatedAt
    }
}
