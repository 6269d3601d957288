/// The state manager's in-memory copy of the library: every playlist with its tracks.
///
/// Loaded once at start and then kept current from the changes commands record, so events and
/// snapshots are built without touching the disk and always match the `server_seq` they carry.
/// A box holds tens of playlists and hundreds of tracks; this costs well under a megabyte.
public struct LibraryView: Sendable {
    private var playlists: [PlaylistID: PlaylistDetail] = [:]

    public init(_ details: [PlaylistDetail] = []) {
        for detail in details { playlists[detail.summary.id] = detail }
    }

    public func playlist(_ id: PlaylistID) -> PlaylistDetail? { playlists[id] }
    public func contains(_ id: PlaylistID) -> Bool { playlists[id] != nil }
    /// The playlist a tag is linked to.
    public func playlist(taggedWith tag: TagID) -> PlaylistDetail? { playlists.values.first { $0.summary.nfcTagID == tag } }
    public var count: Int { playlists.count }

    /// Every playlist in the box's order.
    public var summaries: [PlaylistSummary] {
        playlists.values.map(\.summary).sorted { ($0.position, $0.createdAt) < ($1.position, $1.createdAt) }
    }

    mutating func apply(_ change: Change) {
        switch change {
        case .playlistCreated(let summary):
            playlists[summary.id] = PlaylistDetail(summary: summary, tracks: [])
        case .playlistUpdated(let summary):
            playlists[summary.id, default: PlaylistDetail(summary: summary, tracks: [])].summary = summary
        case .playlistTracksChanged(let detail):
            playlists[detail.summary.id] = detail
        case .trackUpdated(_, let detail):
            playlists[detail.summary.id] = detail
        case .playlistDeleted(let id):
            // The store closes the gap in positions; so does the view.
            guard let removed = playlists.removeValue(forKey: id) else { return }
            for (key, detail) in playlists where detail.summary.position > removed.summary.position {
                playlists[key]?.summary.position -= 1
            }
        case .player:
            break
        }
    }
}
