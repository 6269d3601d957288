import Foundation

/// A parent linking a tag to a playlist (CONTRACT §5): "tap the tag you want for this playlist".
/// While a session listens, a tapped tag is linked instead of played. One session at a time; a
/// new one replaces the old (which ends `stopped`).
public struct AssociationStatus: Sendable, Equatable {
    public enum State: String, Sendable, Equatable, Encodable {
        /// Waiting for a tag.
        case listening
        /// The tapped tag plays another playlist; `override_nfc_tag` moves it, or tap another.
        case duplicate
        /// The tag is linked. The session is over.
        case success
        /// Cancelled. The session is over.
        case stopped
        /// No tag came in time. The session is over.
        case timeout
        /// The link could not be saved. The session is over.
        case error

        public var isOver: Bool { self != .listening && self != .duplicate }
    }

    public var assocID: String
    public var state: State
    public var playlistID: PlaylistID
    public var tagID: TagID?
    /// With `duplicate`: the playlist the tag plays now.
    public var conflict: PlaylistSummary?
    public var startedAt: EpochMillis
    public var timeoutAt: EpochMillis
    public var serverSeq: UInt64 = 0

    public init(assocID: String, state: State, playlistID: PlaylistID, startedAt: EpochMillis, timeoutAt: EpochMillis) {
        self.assocID = assocID
        self.state = state
        self.playlistID = playlistID
        self.startedAt = startedAt
        self.timeoutAt = timeoutAt
    }

    /// What a parent reads in the web UI.
    public var message: String {
        switch state {
        case .listening: "Scan an NFC tag to associate with this playlist"
        case .duplicate: "This tag already plays \"\(conflict?.title ?? "another playlist")\". Move it here, or scan another tag."
        case .success: "Tag linked"
        case .stopped: "Linking cancelled"
        case .timeout: "No tag was scanned in time"
        case .error: "The tag could not be linked"
        }
    }
}

/// `nfc_status`: the session as the contract's reference shows it (times in ISO 8601).
public struct AssociationStatusPayload: Sendable, Equatable, Encodable {
    public var status: AssociationStatus

    public init(status: AssociationStatus) { self.status = status }

    enum CodingKeys: String, CodingKey {
        case state
        case assocID = "assoc_id"
        case playlistID = "playlist_id"
        case tagID = "tag_id"
        case conflictPlaylistID = "conflict_playlist_id"
        case startedAt = "started_at"
        case timeoutAt = "timeout_at"
        case serverSeq = "server_seq"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status.assocID, forKey: .assocID)
        try container.encode(status.state, forKey: .state)
        try container.encode(status.playlistID, forKey: .playlistID)
        try container.encodeIfPresent(status.tagID, forKey: .tagID)
        try container.encodeIfPresent(status.conflict?.id, forKey: .conflictPlaylistID)
        try container.encode(ISOTime.string(status.startedAt), forKey: .startedAt)
        try container.encode(ISOTime.string(status.timeoutAt), forKey: .timeoutAt)
        try container.encode(status.serverSeq, forKey: .serverSeq)
    }
}

/// `nfc_association_state`: the friendly form, with a message and the conflicting playlist's title.
public struct AssociationNoticePayload: Sendable, Equatable, Encodable {
    public var status: AssociationStatus

    public init(status: AssociationStatus) { self.status = status }

    private struct Existing: Encodable {
        var id: PlaylistID
        var title: String
    }

    enum CodingKeys: String, CodingKey {
        case state, message
        case assocID = "assoc_id"
        case playlistID = "playlist_id"
        case tagID = "tag_id"
        case expiresAt = "expires_at"
        case existingPlaylist = "existing_playlist"
        case serverSeq = "server_seq"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status.state, forKey: .state)
        try container.encode(status.assocID, forKey: .assocID)
        try container.encode(status.playlistID, forKey: .playlistID)
        try container.encodeIfPresent(status.tagID, forKey: .tagID)
        try container.encode(status.message, forKey: .message)
        try container.encode(ISOTime.string(status.timeoutAt), forKey: .expiresAt)
        try container.encodeIfPresent(status.conflict.map { Existing(id: $0.id, title: $0.title) }, forKey: .existingPlaylist)
        try container.encode(status.serverSeq, forKey: .serverSeq)
    }
}

/// UTC ISO 8601 with milliseconds, as the contract's examples write times.
enum ISOTime {
    static func string(_ millis: EpochMillis) -> String {
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        return Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}
