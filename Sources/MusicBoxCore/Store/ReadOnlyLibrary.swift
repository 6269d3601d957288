/// The store as a ``PlayerCommand`` sees it: reads go to the store (WAL readers, never the
/// writer), and any write is a programming error reported as `internal_error`, never done.
struct ReadOnlyLibrary: LibraryTransaction {
    let store: any LibraryStore

    func setting<Value>(_ key: SettingKey<Value>) throws -> Value { try store.setting(key) }
    func resumePoint(for playlist: PlaylistID) throws -> ResumePoint? { try store.resumePoint(for: playlist) }
    func latestResumePoint() throws -> ResumePoint? { try store.latestResumePoint() }
    func commandTags() throws -> [CommandTag] { try store.commandTags() }
    func episodeProgress(in playlist: PlaylistID) throws -> [TrackID: EpisodeProgress]? { try store.episodeProgress(in: playlist) }

    private func refused(_ what: String) -> BoxError {
        BoxError(.internalError, "A player command tried to write the library (\(what)).")
    }

    func addTrack(_ new: NewTrack, stagedFile: String, to playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail { throw refused("addTrack") }
    func followFeed(_ playlist: PlaylistID, url: String, keep: Int, now: EpochMillis) throws { throw refused("followFeed") }
    func unfollowFeed(_ playlist: PlaylistID) throws { throw refused("unfollowFeed") }
    func recordFeedCheck(_ playlist: PlaylistID, episodes: [FeedEpisode]?, error: String?, now: EpochMillis) throws { throw refused("recordFeedCheck") }
    func addEpisode(_ new: NewTrack, stagedFile: String, guid: String, to playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail { throw refused("addEpisode") }
    func addStream(_ new: NewStream, to playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail { throw refused("addStream") }
    func setSetting<Value>(_ key: SettingKey<Value>, to value: Value, now: EpochMillis) throws { throw refused("setSetting") }
    func deleteTracks(_ tracks: [TrackID], from playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail { throw refused("deleteTracks") }
    func reorderTracks(in playlist: PlaylistID, order: [TrackID], now: EpochMillis) throws -> PlaylistDetail { throw refused("reorderTracks") }
    func moveTrack(_ track: TrackID, to playlist: PlaylistID, position: Int?, now: EpochMillis) throws -> [PlaylistDetail] { throw refused("moveTrack") }
    func updateTrack(_ track: TrackID, title: String?, artist: String?, album: String?, now: EpochMillis) throws -> PlaylistDetail { throw refused("updateTrack") }
    func linkTag(_ tag: TagID, to playlist: PlaylistID, force: Bool, now: EpochMillis) throws -> [PlaylistSummary] { throw refused("linkTag") }
    func unlinkTag(_ tag: TagID, now: EpochMillis) throws -> PlaylistSummary { throw refused("unlinkTag") }
    func linkCommandTag(_ tag: TagID, to command: TagCommand, force: Bool, now: EpochMillis) throws -> PlaylistSummary? { throw refused("linkCommandTag") }
    func unlinkCommandTag(_ tag: TagID) throws { throw refused("unlinkCommandTag") }
    func createPlaylist(title: String, description: String, now: EpochMillis) throws -> PlaylistSummary { throw refused("createPlaylist") }
    func updatePlaylist(_ id: PlaylistID, title: String?, description: String?, now: EpochMillis) throws -> PlaylistSummary { throw refused("updatePlaylist") }
    func deletePlaylist(_ id: PlaylistID) throws { throw refused("deletePlaylist") }
    func saveResumePoint(_ point: ResumePoint) throws { throw refused("saveResumePoint") }
    func clearResumePoint(for playlist: PlaylistID) throws { throw refused("clearResumePoint") }
    func saveEpisodeProgress(_ progress: EpisodeProgress) throws { throw refused("saveEpisodeProgress") }
    /// Nothing is written, so nothing waits for a commit.
    func afterCommit(_ action: @escaping () -> Void) { action() }
}
