/// The seam between the box's logic and its persistence (SQLite in `MediaLibrary`).
///
/// Reads are `async` and may run from any task, concurrently with each other.
/// Writes happen only inside ``write(_:)``, called only by ``StateManager`` on its own thread:
/// one writer, so commit order is event order, and one command is one transaction.
public protocol LibraryStore: LibraryReading, Sendable {
    // MARK: Reads
    func playlistPage(offset: Int, limit: Int) async throws -> PlaylistPage
    func playlist(_ id: PlaylistID) async throws -> PlaylistDetail?
    /// Cheap query that proves the database answers.
    func ping() async throws
    /// A track's cover picture (`nil`: the track has none or does not exist).
    func artwork(for track: TrackID) async throws -> Artwork?
    /// Where a track's audio file is, and the name it was uploaded under (`nil`: no such track, or a stream).
    func audioFile(for track: TrackID) async throws -> TrackFile?
    /// Tracks of a playlist with the given content (SHA-256, lowercase hex), for duplicate warnings.
    func tracks(in playlist: PlaylistID, withSHA256 sha256: String) async throws -> [Track]
    /// The podcast a playlist follows, with the episodes its feed listed (`nil`: none).
    func feed(for playlist: PlaylistID) async throws -> FeedState?
    /// Playlists that follow a podcast, oldest follow first.
    func followedFeeds() async throws -> [PlaylistID]

    // MARK: State manager only
    /// Every playlist with its tracks, read once at start into the state manager's memory.
    func loadLibrary() throws -> [PlaylistDetail]
    /// Runs `body` as one transaction: everything it writes commits together, durably
    /// (`synchronous=FULL`), or, when it throws, nothing does (files it moved in are removed
    /// again). Files of deleted tracks are removed after the commit; a crash in between leaves
    /// orphans, which the next start removes.
    func write<T>(_ body: (any LibraryTransaction) throws -> T) throws -> T
}

/// Synchronous reads, of the store or of an open transaction (which sees its own writes).
public protocol LibraryReading {
    /// A setting's stored value, or its default.
    func setting<Value>(_ key: SettingKey<Value>) throws -> Value
    /// Where a playlist was left, if it was.
    func resumePoint(for playlist: PlaylistID) throws -> ResumePoint?
    /// The resume point saved last: the playlist left most recently, unfinished.
    func latestResumePoint() throws -> ResumePoint?
    /// Every tag linked to a command, oldest first.
    func commandTags() throws -> [CommandTag]
    /// The place of each downloaded episode of the podcast a playlist follows, by track (`nil`:
    /// the playlist follows no podcast).
    func episodeProgress(in playlist: PlaylistID) throws -> [TrackID: EpisodeProgress]?
}

/// The writes of one ``LibraryStore/write(_:)`` transaction.
public protocol LibraryTransaction: LibraryReading {
    /// Adds a track at the end of a playlist. Its file, complete and flushed to disk at
    /// `stagedFile` (on the media folder's file system), is renamed into the media folder now; the
    /// folder is flushed before the transaction commits. Returns the playlist after.
    func addTrack(_ new: NewTrack, stagedFile: String, to playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail
    /// Makes a playlist follow a podcast feed (another feed forgets the old one's episodes).
    func followFeed(_ playlist: PlaylistID, url: String, keep: Int, now: EpochMillis) throws
    /// Stops following; the episodes downloaded stay as tracks. Throws `not_found`.
    func unfollowFeed(_ playlist: PlaylistID) throws
    /// What a look at the feed found: its episodes (kept beside the old ones), or why it failed.
    func recordFeedCheck(_ playlist: PlaylistID, episodes: [FeedEpisode]?, error: String?, now: EpochMillis) throws
    /// Adds a downloaded episode as a track (as ``addTrack(_:stagedFile:to:now:)``), notes which
    /// episode it is, and puts the playlist's episodes newest first. Returns the playlist after.
    func addEpisode(_ new: NewTrack, stagedFile: String, guid: String, to playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail
    /// Adds a live stream at the end of a playlist (a row without a file). Returns the playlist after.
    func addStream(_ new: NewStream, to playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail
    func setSetting<Value>(_ key: SettingKey<Value>, to value: Value, now: EpochMillis) throws
    /// Deletes tracks of one playlist (each must belong to it); their files go after the commit.
    /// Returns the playlist after.
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
    /// Links a tag to a command; a tag that plays a playlist moves only with `force`. Returns the
    /// summary of the playlist that lost it, if one did.
    func linkCommandTag(_ tag: TagID, to command: TagCommand, force: Bool, now: EpochMillis) throws -> PlaylistSummary?
    /// Removes a tag's command (`not_found` when it has none).
    func unlinkCommandTag(_ tag: TagID) throws
    func createPlaylist(title: String, description: String, now: EpochMillis) throws -> PlaylistSummary
    /// Changes the given fields; `nil` leaves a field as it is. Throws `not_found`.
    func updatePlaylist(_ id: PlaylistID, title: String?, description: String?, now: EpochMillis) throws -> PlaylistSummary
    /// Deletes the playlist, its tracks, tag links and resume point; its audio files go after the
    /// commit. Throws `not_found`.
    func deletePlaylist(_ id: PlaylistID) throws
    /// Remembers where a playlist was left (replacing what was remembered). Nothing when the
    /// playlist or the track is gone by now (a write behind the command that deleted it).
    func saveResumePoint(_ point: ResumePoint) throws
    /// Remembers where the listener is in an episode (nothing when the track is no episode).
    func saveEpisodeProgress(_ progress: EpisodeProgress) throws
    /// Forgets where a playlist was left: it starts over next time.
    func clearResumePoint(for playlist: PlaylistID) throws
    /// Runs `action` once this transaction has committed (not at all if it rolls back), before
    /// the writer takes the next one: memory that mirrors a row changes exactly when the row does.
    func afterCommit(_ action: @escaping () -> Void)
}

/// A track's audio file on disk.
public struct TrackFile: Sendable, Equatable {
    public var path: String
    /// The name the parent uploaded it under (for `Content-Disposition`).
    public var originalName: String

    public init(path: String, originalName: String) {
        self.path = path
        self.originalName = originalName
    }
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
