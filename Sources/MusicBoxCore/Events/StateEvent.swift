import Foundation

/// The names of the `state:*` events (CONTRACT §3).
public enum StateEventType: String, Sendable, CaseIterable {
    case player = "state:player"
    case trackPosition = "state:track_position"
    case playlists = "state:playlists"
    /// One playlist of the collection changed or was created (to clients that asked for deltas).
    case playlistUpdated = "state:playlist_updated"
    case playlist = "state:playlist"
    case track = "state:track"
    case playlistDeleted = "state:playlist_deleted"
    /// A track could not be played and was skipped (ephemeral, like position ticks).
    case playbackError = "playback:error"
    /// A tag was placed on or lifted from the reader, and what the box did about it (ephemeral).
    case tag = "nfc:tag"
    /// An association session changed (CONTRACT §5), and its friendly form.
    case nfcStatus = "nfc_status"
    case nfcAssociationState = "nfc_association_state"
    /// Upload transfers (CONTRACT §6): progress, the track added, or why not.
    case uploadProgress = "upload:progress"
    case uploadComplete = "upload:complete"
    case uploadError = "upload:error"
    /// Songs from a link (the reference contract's §7).
    case linkProgress = "youtube:progress"
    case linkComplete = "youtube:complete"
    case linkError = "youtube:error"

    /// Sent with the current `server_seq`, never logged or replayed.
    public var isEphemeral: Bool {
        ![.player, .playlists, .playlistUpdated, .playlist, .track, .playlistDeleted].contains(self)
    }

    /// Sent as the payload alone, which carries `server_seq` itself (the §5 shapes), not in the
    /// `state:*` envelope.
    public var isBare: Bool {
        switch self {
        case .nfcStatus, .nfcAssociationState, .uploadProgress, .uploadComplete, .uploadError, .linkProgress, .linkComplete, .linkError: true
        default: false
        }
    }
}

/// What a `state:*` event carries in `data`.
public enum EventPayload: Sendable, Equatable, Encodable {
    case player(PlayerState)
    case trackPosition(TrackPosition)
    /// Every playlist, in the box's order.
    case playlists(PlaylistCollection)
    /// One playlist of the collection, as it is now (its `position` says where it goes).
    case playlistUpdated(PlaylistSummary)
    case playlist(PlaylistDetail)
    case track(Track)
    case playlistDeleted(PlaylistID)
    case playbackError(PlaybackProblem)
    case tag(TagOutcome)
    case nfcStatus(AssociationStatus)
    case nfcAssociationState(AssociationStatus)
    case upload(UploadNotice)
    case link(LinkNotice)

    public var type: StateEventType {
        switch self {
        case .player: .player
        case .trackPosition: .trackPosition
        case .playlists: .playlists
        case .playlistUpdated: .playlistUpdated
        case .playlist: .playlist
        case .track: .track
        case .playlistDeleted: .playlistDeleted
        case .playbackError: .playbackError
        case .tag: .tag
        case .nfcStatus: .nfcStatus
        case .nfcAssociationState: .nfcAssociationState
        case .upload(.progress): .uploadProgress
        case .upload(.complete): .uploadComplete
        case .upload(.failed): .uploadError
        case .link(.progress): .linkProgress
        case .link(.complete): .linkComplete
        case .link(.failed): .linkError
        }
    }

    private struct PlaylistsData: Encodable { var playlists: PlaylistCollection }
    private struct PlaylistData: Encodable { var playlist: PlaylistSummary }
    private struct DeletedData: Encodable { var playlist_id: PlaylistID }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .player(let state): try state.encode(to: encoder)
        case .trackPosition(let position): try position.encode(to: encoder)
        case .playlists(let list): try PlaylistsData(playlists: list).encode(to: encoder)
        case .playlistUpdated(let summary): try PlaylistData(playlist: summary).encode(to: encoder)
        case .playlist(let detail): try detail.encode(to: encoder)
        case .track(let track): try track.encode(to: encoder)
        case .playlistDeleted(let id): try DeletedData(playlist_id: id).encode(to: encoder)
        case .playbackError(let problem): try problem.encode(to: encoder)
        case .tag(let outcome): try outcome.encode(to: encoder)
        case .nfcStatus(let status): try AssociationStatusPayload(status: status).encode(to: encoder)
        case .nfcAssociationState(let status): try AssociationNoticePayload(status: status).encode(to: encoder)
        case .upload(.progress(let progress)): try progress.encode(to: encoder)
        case .upload(.complete(let completion)): try completion.encode(to: encoder)
        case .upload(.failed(let failure)): try failure.encode(to: encoder)
        case .link(let notice): try notice.encode(to: encoder)
        }
    }
}

/// One `state:*` event with its envelope (CONTRACT §1):
/// `{event_type, server_seq, server_epoch, playlist_id?, playlist_seq?, data, timestamp, event_id}`.
///
/// Events of a committed change are *sequenced*: they carry the change's `server_seq` and enter the
/// replay log. Snapshots (sent on join or sync) and position ticks carry the current `server_seq`
/// without taking a new one.
public struct StateEvent: Sendable, Equatable, Encodable {
    public var payload: EventPayload
    public var serverSeq: UInt64
    public var serverEpoch: String
    public var playlistID: PlaylistID?
    public var playlistSeq: UInt64?
    public var timestamp: EpochMillis
    /// Unique per event, also across boots: the epoch, the sequence number and a counter.
    public var eventID: String
    /// The rooms that receive it, and those whose members do not (even if also in `rooms`).
    public var rooms: [Room]
    public var exceptRooms: [Room]

    public init(
        payload: EventPayload, serverSeq: UInt64, serverEpoch: String, playlistID: PlaylistID? = nil,
        playlistSeq: UInt64? = nil, timestamp: EpochMillis, eventID: String, rooms: [Room], exceptRooms: [Room] = []
    ) {
        self.exceptRooms = exceptRooms
        self.payload = payload
        self.serverSeq = serverSeq
        self.serverEpoch = serverEpoch
        self.playlistID = playlistID
        self.playlistSeq = playlistSeq
        self.timestamp = timestamp
        self.eventID = eventID
        self.rooms = rooms
    }

    public var type: StateEventType { payload.type }

    enum CodingKeys: String, CodingKey {
        case data, timestamp
        case eventType = "event_type"
        case serverSeq = "server_seq"
        case serverEpoch = "server_epoch"
        case playlistID = "playlist_id"
        case playlistSeq = "playlist_seq"
        case eventID = "event_id"
    }

    public func encode(to encoder: any Encoder) throws {
        if type.isBare { return try payload.encode(to: encoder) }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type.rawValue, forKey: .eventType)
        try container.encode(serverSeq, forKey: .serverSeq)
        try container.encode(serverEpoch, forKey: .serverEpoch)
        try container.encodeIfPresent(playlistID, forKey: .playlistID)
        try container.encodeIfPresent(playlistSeq, forKey: .playlistSeq)
        try container.encode(payload, forKey: .data)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(eventID, forKey: .eventID)
    }
}

/// `playback:error`: a track that could not be played, so the phone can say why it was skipped.
public struct PlaybackProblem: Sendable, Equatable, Encodable {
    public var trackID: TrackID
    public var playlistID: PlaylistID?
    public var title: String?
    public var error: BoxError

    public init(trackID: TrackID, playlistID: PlaylistID?, title: String?, error: BoxError) {
        self.trackID = trackID
        self.playlistID = playlistID
        self.title = title
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case title, message
        case trackID = "track_id"
        case playlistID = "playlist_id"
        case errorType = "error_type"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(trackID, forKey: .trackID)
        try container.encode(playlistID, forKey: .playlistID)
        try container.encode(title, forKey: .title)
        try container.encode(error.code.rawValue, forKey: .errorType)
        try container.encode(error.message, forKey: .message)
    }
}
