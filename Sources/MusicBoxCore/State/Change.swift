/// A committed change of box state. The state manager gives each one its `server_seq`;
/// the real-time layer turns it into the contract's `state:*` events.
public enum Change: Sendable, Equatable {
    case playlistCreated(PlaylistSummary)
    case playlistUpdated(PlaylistSummary)
    case playlistDeleted(PlaylistID)

    /// The playlist the change belongs to, which also gets its own `playlist_seq`.
    public var playlistID: PlaylistID? {
        switch self {
        case .playlistCreated(let playlist), .playlistUpdated(let playlist): playlist.id
        case .playlistDeleted(let id): id
        }
    }
}

/// A change with its place in the global and per-playlist order.
public struct SequencedChange: Sendable, Equatable {
    public var serverSeq: UInt64
    public var playlistSeq: UInt64?
    public var change: Change
    public var timestamp: EpochMillis
}
