/// The state manager's in-memory copy of the library: every playlist with its tracks.
///
/// Loaded once at start and then kept current from the changes commands record, so events and
/// snapshots are built without touching the disk and always match the `server_seq` they carry.
/// A box holds tens to hundreds of playlists and up to ten thousand tracks (a few megabytes).
///
/// The collection in the box's order is kept too, and changed in place when one playlist
/// changes without moving (a rename, an upload): events share all of it but one chunk.
public struct LibraryView: Sendable {
    private var playlists: [PlaylistID: PlaylistDetail] = [:]
    /// Every summary in the box's order, and where each playlist is in it.
    public private(set) var summaries = PlaylistCollection()
    private var indices: [PlaylistID: Int] = [:]

    public init(_ details: [PlaylistDetail] = []) {
        for detail in details { playlists[detail.summary.id] = detail }
        reorder()
    }

    public func playlist(_ id: PlaylistID) -> PlaylistDetail? { playlists[id] }
    public func contains(_ id: PlaylistID) -> Bool { playlists[id] != nil }
    /// The playlist a tag is linked to.
    public func playlist(taggedWith tag: TagID) -> PlaylistDetail? { playlists.values.first { $0.summary.nfcTagID == tag } }
    public var count: Int { playlists.count }

    private static func precedes(_ a: PlaylistSummary, _ b: PlaylistSummary) -> Bool {
        (a.position, a.createdAt, a.id.description) < (b.position, b.createdAt, b.id.description)
    }

    /// Sorts the collection anew (a deletion closed a gap, a playlist moved).
    private mutating func reorder() {
        let sorted = playlists.values.map(\.summary).sorted(by: Self.precedes)
        summaries = PlaylistCollection(sorted)
        indices = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1.id, $0) })
    }

    /// Brings the collection up to `summary`: in place when it stays where it was, at the end
    /// when it is new and goes last, otherwise by sorting again.
    private mutating func place(_ summary: PlaylistSummary) {
        if let index = indices[summary.id] {
            let staysBefore = index + 1 == summaries.count || Self.precedes(summary, summaries[index + 1])
            let staysAfter = index == 0 || Self.precedes(summaries[index - 1], summary)
            if staysBefore && staysAfter {
                summaries.replace(at: index, with: summary)
                return
            }
        } else if summaries.last.map({ Self.precedes($0, summary) }) ?? true {
            indices[summary.id] = summaries.count
            summaries.append(summary)
            return
        }
        reorder()
    }

    mutating func apply(_ change: Change) {
        applyToPlaylists(change)
        switch change {
        case .playlistCreated(let summary), .playlistUpdated(let summary): place(summary)
        case .playlistTracksChanged(let detail), .trackUpdated(_, let detail): place(detail.summary)
        case .playlistDeleted: reorder()
        case .player: break
        }
    }

    private mutating func applyToPlaylists(_ change: Change) {
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
