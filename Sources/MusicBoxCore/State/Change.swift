/// A committed change of box state, carrying the new state of what changed. The state manager
/// gives each one its `server_seq`, applies it to its in-memory view and turns it into the
/// contract's `state:*` events.
public enum Change: Sendable, Equatable {
    case playlistCreated(PlaylistSummary)
    /// Title, description or another field of the playlist row changed; its tracks did not.
    case playlistUpdated(PlaylistSummary)
    /// The playlist's tracks changed (added, removed, reordered): its new summary and every track.
    case playlistTracksChanged(PlaylistDetail)
    /// One track's fields changed (its title, say); its place in the playlist did not.
    /// Carries the playlist after the change too (its `updated_at` moved).
    case trackUpdated(Track, PlaylistDetail)
    case playlistDeleted(PlaylistID)
    /// The player's state changed (recorded by the state manager itself, after any command).
    case player(PlayerState)

    /// The playlist the change belongs to, which also gets its own `playlist_seq`.
    public var playlistID: PlaylistID? {
        switch self {
        case .playlistCreated(let playlist), .playlistUpdated(let playlist): playlist.id
        case .playlistTracksChanged(let detail): detail.summary.id
        case .trackUpdated(let track, _): track.playlistID
        case .playlistDeleted(let id): id
        case .player: nil
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
