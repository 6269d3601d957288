import Foundation
import GRDB
import MusicBoxCore

/// One open write transaction of the library (``GRDBLibraryStore/write(_:)``): the rows go
/// through its `Database`, and the files it touches are noted in ``TransactionFiles`` so the store
/// can finish them once it knows whether the transaction committed.
struct GRDBLibraryTransaction: LibraryTransaction {
    let db: Database
    let media: MediaFolder
    let files: TransactionFiles

    // MARK: Reads (seeing this transaction's own writes)

    func setting<Value>(_ key: SettingKey<Value>) throws -> Value {
        try SettingsRepository.value(db, key)
    }

    func commandTags() throws -> [CommandTag] {
        try CommandTagRepository.all(db)
    }

    func linkCommandTag(_ tag: TagID, to command: TagCommand, force: Bool, now: EpochMillis) throws -> PlaylistSummary? {
        try CommandTagRepository.link(db, tag: tag, to: command, force: force, now: now).flatMap { try PlaylistRepository.summary(db, id: $0) }
    }

    func unlinkCommandTag(_ tag: TagID) throws {
        guard try CommandTagRepository.unlink(db, tag: tag) else {
            throw BoxError(.notFound, "Tag \(tag) is not a command tag.", details: ["tag_id": tag.hex])
        }
    }

    func latestResumePoint() throws -> ResumePoint? {
        try ResumeRepository.latest(db)
    }

    func resumePoint(for playlist: PlaylistID) throws -> ResumePoint? {
        try ResumeRepository.load(db, playlist: playlist)
    }

    func episodeProgress(in playlist: PlaylistID) throws -> [TrackID: EpisodeProgress]? {
        try FeedRepository.progress(db, playlist: playlist)
    }

    func saveEpisodeProgress(_ progress: EpisodeProgress) throws {
        try FeedRepository.saveProgress(db, progress)
    }

    // MARK: Writes

    func setSetting<Value>(_ key: SettingKey<Value>, to value: Value, now: EpochMillis) throws {
        try SettingsRepository.set(db, key, to: value, now: now)
    }

    func addTrack(_ new: NewTrack, stagedFile: String, to playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail {
        let destination = try media.url(of: new.storedFileName)
        guard rename(stagedFile, destination.path) == 0 else {
            throw BoxError(.storageError, "Could not move the upload into the media folder: \(String(cString: strerror(errno))).")
        }
        files.added.append(new.storedFileName)
        _ = try TrackRepository.append(db, new, to: playlist, now: now)
        return try PlaylistRepository.detail(db, id: playlist)!
    }

    func followFeed(_ playlist: PlaylistID, url: String, keep: Int, now: EpochMillis) throws {
        try FeedRepository.follow(db, playlist: playlist, url: url, keep: keep, now: now)
    }

    func unfollowFeed(_ playlist: PlaylistID) throws {
        try FeedRepository.unfollow(db, playlist: playlist)
    }

    func recordFeedCheck(_ playlist: PlaylistID, episodes: [FeedEpisode]?, error: String?, now: EpochMillis) throws {
        try FeedRepository.record(db, playlist: playlist, episodes: episodes, error: error, now: now)
    }

    func addEpisode(_ new: NewTrack, stagedFile: String, guid: String, to playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail {
        _ = try addTrack(new, stagedFile: stagedFile, to: playlist, now: now)
        try FeedRepository.linkEpisode(db, playlist: playlist, guid: guid, track: new.id)
        try TrackRepository.reorder(db, playlist: playlist, order: try FeedRepository.newestFirst(db, playlist: playlist), now: now)
        return try PlaylistRepository.detail(db, id: playlist)!
    }

    func addStream(_ new: NewStream, to playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail {
        _ = try TrackRepository.appendStream(db, new, to: playlist, now: now)
        return try PlaylistRepository.detail(db, id: playlist)!
    }

    func deleteTracks(_ tracks: [TrackID], from playlist: PlaylistID, now: EpochMillis) throws -> PlaylistDetail {
        guard try PlaylistRepository.exists(db, id: playlist) else { throw BoxError.playlistNotFound(playlist) }
        let own = Set(try TrackRepository.tracks(db, in: playlist).map(\.id))
        if let stranger = tracks.first(where: { !own.contains($0) }) {
            throw BoxError(.notFound, "Playlist \(playlist) has no track \(stranger).", details: ["track_id": stranger.description])
        }
        files.deleted += try Set(tracks).compactMap { try TrackRepository.delete(db, id: $0, now: now) }
        return try PlaylistRepository.detail(db, id: playlist)!
    }

    func reorderTracks(in playlist: PlaylistID, order: [TrackID], now: EpochMillis) throws -> PlaylistDetail {
        try TrackRepository.reorder(db, playlist: playlist, order: order, now: now)
        return try PlaylistRepository.detail(db, id: playlist)!
    }

    func moveTrack(_ track: TrackID, to playlist: PlaylistID, position: Int?, now: EpochMillis) throws -> [PlaylistDetail] {
        let source = try TrackRepository.move(db, track: track, to: playlist, position: position, now: now)
        return try (source == playlist ? [playlist] : [source, playlist]).map { try PlaylistRepository.detail(db, id: $0)! }
    }

    func updateTrack(_ track: TrackID, title: String?, artist: String?, album: String?, now: EpochMillis) throws -> PlaylistDetail {
        let updated = try TrackRepository.update(db, id: track, title: title, artist: artist, album: album, now: now)
        return try PlaylistRepository.detail(db, id: updated.playlistID)!
    }

    func saveResumePoint(_ point: ResumePoint) throws {
        try ResumeRepository.save(db, point)
    }

    func clearResumePoint(for playlist: PlaylistID) throws {
        try ResumeRepository.clear(db, playlist: playlist)
    }

    func linkTag(_ tag: TagID, to playlist: PlaylistID, force: Bool, now: EpochMillis) throws -> [PlaylistSummary] {
        let previous = try TagRepository.link(db, tag: tag, to: playlist, force: force, now: now)
        guard previous != playlist else { return [] }
        return try [playlist, previous].compactMap { id in try id.flatMap { try PlaylistRepository.summary(db, id: $0) } }
    }

    func unlinkTag(_ tag: TagID, now: EpochMillis) throws -> PlaylistSummary {
        guard let playlist = try TagRepository.playlist(db, for: tag) else {
            throw BoxError(.notFound, "Tag \(tag) is not linked to any playlist.", details: ["tag_id": tag.hex])
        }
        try TagRepository.unlink(db, tag: tag)
        return try PlaylistRepository.summary(db, id: playlist)!
    }

    func createPlaylist(title: String, description: String, now: EpochMillis) throws -> PlaylistSummary {
        try PlaylistRepository.create(db, title: title, description: description, now: now)
    }

    func updatePlaylist(_ id: PlaylistID, title: String?, description: String?, now: EpochMillis) throws -> PlaylistSummary {
        try PlaylistRepository.update(db, id: id, title: title, description: description, now: now)
    }

    func deletePlaylist(_ id: PlaylistID) throws {
        files.deleted += try PlaylistRepository.delete(db, id: id)
    }

    func afterCommit(_ action: @escaping () -> Void) {
        files.committed.append(action)
    }
}

/// The files one transaction moved in and let go: moved-in ones are removed again if it rolls
/// back, let-go ones are removed once it has committed; and what else waits for the commit.
final class TransactionFiles {
    var added: [String] = []
    var deleted: [String] = []
    /// What runs once the transaction has committed (``LibraryTransaction/afterCommit(_:)``).
    var committed: [() -> Void] = []
    var movedIn: Bool { !added.isEmpty }
}
