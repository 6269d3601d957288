/// How playback continues at the end of a track.
public enum RepeatMode: String, Sendable, Codable, CaseIterable {
    /// Stop after the last track of the playlist.
    case none
    /// Play the current track again and again.
    case one
    /// Start the playlist over after its last track.
    case all
}

/// Whether sound comes out, is held, or nothing is loaded.
public enum PlaybackStatus: String, Sendable, Codable {
    case playing, paused, stopped
}

/// The track being played, as `state:player` shows it.
public struct ActiveTrack: Sendable, Equatable, Codable {
    public var id: TrackID
    public var title: String
    public var artist: String?
    public var album: String?
    public var durationMs: Int64
    public var trackNumber: Int
    public var source: TrackSource

    public init(_ track: Track) {
        source = track.source
        id = track.id
        title = track.title
        artist = track.artist
        album = track.album
        durationMs = track.durationMs
        trackNumber = track.trackNumber
    }

    enum CodingKeys: String, CodingKey {
        case id, title, artist, album
        case durationMs = "duration_ms"
        case trackNumber = "track_number"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(TrackID.self, forKey: .id)
        title = try container.decode(String.self, forKey: .title)
        artist = try container.decodeIfPresent(String.self, forKey: .artist)
        album = try container.decodeIfPresent(String.self, forKey: .album)
        durationMs = try container.decode(Int64.self, forKey: .durationMs)
        trackNumber = try container.decode(Int.self, forKey: .trackNumber)
        source = .file
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        // Clients expect the keys present, `null` when unknown.
        try container.encode(artist, forKey: .artist)
        try container.encode(album, forKey: .album)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encode(trackNumber, forKey: .trackNumber)
    }
}

/// The one complete shape of `state:player` (CONTRACT §3). Every field is always present;
/// the derived ones (`is_playing`, `active_track_id`, `duration_ms`, …) are computed from the rest
/// so they can never disagree.
public struct PlayerState: Sendable, Equatable, Encodable {
    public var status: PlaybackStatus
    public var activePlaylistID: PlaylistID?
    public var activePlaylistTitle: String?
    public var activeTrack: ActiveTrack?
    /// 0-based index of the active track in play order (shuffled order when shuffle is on).
    public var trackIndex: Int
    public var trackCount: Int
    public var positionMs: Int64
    public var volume: Int
    public var maxVolume: Int
    public var muted: Bool
    public var repeatMode: RepeatMode
    public var shuffleEnabled: Bool
    public var canNext: Bool
    public var canPrev: Bool
    public var sleepTimerEndsAt: EpochMillis?
    /// `off`, `minutes` (see `sleep_timer_ends_at`), `end_of_track` or `end_of_playlist`.
    public var sleepTimerMode: String
    /// Quiet hours are on now (`max_volume` is their cap; a cap of 0 means no playback).
    public var quietHoursActive: Bool
    /// The box's buttons are locked (the toddler lock).
    public var toddlerLock: Bool
    /// Today's listening minutes are used up: nothing starts until tomorrow or more minutes.
    public var dailyLimitReached: Bool
    /// The chapter of an audiobook file playback is in (`nil`: the file has no chapters).
    public var chapter: ChapterPlace?
    /// What a live stream says it plays now (its `StreamTitle`), shown above the station's name.
    public var streamTitle: String?
    /// A live stream that plays: `live`, or `reconnecting` after a drop (`nil`: no stream playing).
    public var streamStatus: String?

    public init(
        status: PlaybackStatus = .stopped, activePlaylistID: PlaylistID? = nil, activePlaylistTitle: String? = nil,
        activeTrack: ActiveTrack? = nil, trackIndex: Int = 0, trackCount: Int = 0, positionMs: Int64 = 0,
        volume: Int = 50, maxVolume: Int = 100, muted: Bool = false, repeatMode: RepeatMode = .none,
        shuffleEnabled: Bool = false, canNext: Bool = false, canPrev: Bool = false, sleepTimerEndsAt: EpochMillis? = nil,
        sleepTimerMode: String = "off", quietHoursActive: Bool = false, toddlerLock: Bool = false, dailyLimitReached: Bool = false, chapter: ChapterPlace? = nil,
        streamTitle: String? = nil, streamStatus: String? = nil
    ) {
        self.chapter = chapter
        self.streamTitle = streamTitle
        self.streamStatus = streamStatus
        self.quietHoursActive = quietHoursActive
        self.toddlerLock = toddlerLock
        self.dailyLimitReached = dailyLimitReached
        self.sleepTimerMode = sleepTimerMode
        self.status = status
        self.activePlaylistID = activePlaylistID
        self.activePlaylistTitle = activePlaylistTitle
        self.activeTrack = activeTrack
        self.trackIndex = trackIndex
        self.trackCount = trackCount
        self.positionMs = positionMs
        self.volume = volume
        self.maxVolume = maxVolume
        self.muted = muted
        self.repeatMode = repeatMode
        self.shuffleEnabled = shuffleEnabled
        self.canNext = canNext
        self.canPrev = canPrev
        self.sleepTimerEndsAt = sleepTimerEndsAt
    }

    public var isPlaying: Bool { status == .playing }
    public var isPaused: Bool { status == .paused }
    public var durationMs: Int64 { activeTrack?.durationMs ?? 0 }
    /// `file` or `stream` (`nil`: nothing loaded).
    public var source: String? { activeTrack?.source.kind }

    enum CodingKeys: String, CodingKey {
        case state, muted, volume
        case isPlaying = "is_playing"
        case isPaused = "is_paused"
        case activePlaylistID = "active_playlist_id"
        case activePlaylistTitle = "active_playlist_title"
        case activeTrack = "active_track"
        case activeTrackID = "active_track_id"
        case trackIndex = "track_index"
        case trackCount = "track_count"
        case positionMs = "position_ms"
        case durationMs = "duration_ms"
        case maxVolume = "max_volume"
        case repeatMode = "repeat_mode"
        case shuffleEnabled = "shuffle_enabled"
        case canNext = "can_next"
        case canPrev = "can_prev"
        case sleepTimerEndsAt = "sleep_timer_ends_at"
        case sleepTimerMode = "sleep_timer_mode"
        case quietHoursActive = "quiet_hours_active"
        case toddlerLock = "toddler_lock"
        case dailyLimitReached = "daily_limit_reached"
        case source, chapter
        case streamTitle = "stream_title"
        case streamStatus = "stream_status"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(isPlaying, forKey: .isPlaying)
        try container.encode(isPaused, forKey: .isPaused)
        try container.encode(status, forKey: .state)
        try container.encode(activePlaylistID, forKey: .activePlaylistID)
        try container.encode(activePlaylistTitle, forKey: .activePlaylistTitle)
        try container.encode(activeTrack, forKey: .activeTrack)
        try container.encode(activeTrack?.id, forKey: .activeTrackID)
        try container.encode(trackIndex, forKey: .trackIndex)
        try container.encode(trackCount, forKey: .trackCount)
        try container.encode(positionMs, forKey: .positionMs)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encode(volume, forKey: .volume)
        try container.encode(maxVolume, forKey: .maxVolume)
        try container.encode(muted, forKey: .muted)
        try container.encode(repeatMode, forKey: .repeatMode)
        try container.encode(shuffleEnabled, forKey: .shuffleEnabled)
        try container.encode(canNext, forKey: .canNext)
        try container.encode(canPrev, forKey: .canPrev)
        try container.encode(sleepTimerEndsAt, forKey: .sleepTimerEndsAt)
        try container.encode(sleepTimerMode, forKey: .sleepTimerMode)
        try container.encode(quietHoursActive, forKey: .quietHoursActive)
        try container.encode(toddlerLock, forKey: .toddlerLock)
        try container.encode(dailyLimitReached, forKey: .dailyLimitReached)
        try container.encode(source, forKey: .source)
        try container.encode(chapter, forKey: .chapter)
        try container.encode(streamTitle, forKey: .streamTitle)
        try container.encode(streamStatus, forKey: .streamStatus)
    }
}

/// `state:track_position`: the light, ephemeral position report sent every 200 ms while playing.
public struct TrackPosition: Sendable, Equatable, Encodable {
    public var positionMs: Int64
    public var trackID: TrackID
    public var isPlaying: Bool
    public var durationMs: Int64

    public init(positionMs: Int64, trackID: TrackID, isPlaying: Bool, durationMs: Int64) {
        self.positionMs = positionMs
        self.trackID = trackID
        self.isPlaying = isPlaying
        self.durationMs = durationMs
    }

    enum CodingKeys: String, CodingKey {
        case positionMs = "position_ms"
        case trackID = "track_id"
        case isPlaying = "is_playing"
        case durationMs = "duration_ms"
    }
}
