/// The seam between the box's logic and its persistence (SQLite in `MediaLibrary`).
///
/// Reads are `async` and may run from any task, concurrently with each other.
/// Writes are synchronous and are called only by ``StateManager`` on its own thread:
/// one writer, so commit order is event order.
public protocol LibraryStore: Sendable {
    // MARK: Reads
    func playlistPage(offset: Int, limit: Int) async throws -> PlaylistPage
    func playlist(_ id: PlaylistID) async throws -> PlaylistDetail?
    /// Cheap query that proves the database answers.
    func ping() async throws

    // MARK: State manager only
    /// Every playlist with its tracks, read once at start into the state manager's memory.
    func loadLibrary() throws -> [PlaylistDetail]
    /// A setting's stored value, or its default.
    func setting<Value>(_ key: SettingKey<Value>) throws -> Value
    func setSetting<Value>(_ key: SettingKey<Value>, to value: Value, now: EpochMillis) throws
    /// Deletes tracks of one playlist (each must belong to it) and their files; returns the playlist after.
    func deleteTracks(_ tracks: [TrackID], from playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail
    /// Puts a playlist's tracks in a new order (a permutation of all of them); returns the playlist after.
    func reorderTracks(in playlist: PlaylistID, order: [TrackID], now: EpochMillis) throws -> PlaylistDetail
    /// Moves a track to a playlist at a 0-based position (the end by default); returns the playlists
    /// after, the one it left first (just one when it moved within its playlist).
    func moveTrack(_ track: TrackID, to playlist: PlaylistID, position: Int?, now: EpochMillis) throws -> [PlaylistDetail]
    /// Changes a track's title, artist or album (`nil`: unchanged; empty artist/album: cleared).
    /// Returns the playlist after, with the changed track in it.
    func updateTrack(_ track: TrackID, title: String?, artist: String?, album: String?, now: EpochMillis) throws -> PlaylistDetail
    /// Links an NFC tag to a playlist (moving it from another only with `force`, else `conflict`).
    /// Returns the summaries of the playlists whose tag changed: the target, and the one it left.
    func linkTag(_ tag: TagID, to playlist: PlaylistID, force: Bool, now: EpochMillis) throws -> [PlaylistSummary]
    /// Removes a tag's link; returns the summary of the playlist it left (`not_found` when unlinked).
    func unlinkTag(_ tag: TagID, now: EpochMillis) throws -> PlaylistSummary
    func createPlaylist(title: String, description: String, now: EpochMillis) throws -> PlaylistSummary
    /// Changes the given fields; `nil` leaves a field as it is. Throws `not_found`.
    func updatePlaylist(_ id: PlaylistID, title: String?, description: String?, now: EpochMillis) throws -> PlaylistSummary
    /// Deletes the playlist, its tracks, tag links and resume point, then its audio files. Throws `not_found`.
    func deletePlaylist(_ id: PlaylistID) throws
    /// Where a playlist was left, if it was.
    func resumePoint(for playlist: PlaylistID) throws -> ResumePoint?
    /// Remembers where a playlist was left (replacing what was remembered). Committed to disk
    /// before it returns: a power cut after it loses nothing.
    func saveResumePoint(_ point: ResumePoint) throws
    /// Forgets where a playlist was left: it starts over next time.
    func clearResumePoint(for playlist: PlaylistID) throws
}

/// One page of the playlist list, with the real total for paging.
public struct PlaylistPage: Sendable, Equatable {
    public var playlists: [PlaylistSummary]
    public var total: Int

    public init(playlists: [PlaylistSummary], total: Int) {
        self.playlists = playlists
        self.total = total
    }
}
