// Track edits. Each republishes the whole playlist (`state:playlist`) and the collection
// (`state:playlists`, whose counts and durations change); an edit of one track's fields also
// sends `state:track`. The player follows edits of the playlist it plays.

/// Removes tracks (and their files) from a playlist.
public struct DeleteTracks: BoxCommand {
    public var playlistID: PlaylistID
    public var trackIDs: [TrackID]

    public init(playlistID: PlaylistID, trackIDs: [TrackID]) {
        self.playlistID = playlistID
        self.trackIDs = trackIDs
    }

    public func run(in context: inout CommandContext) throws -> PlaylistDetail {
        guard !trackIDs.isEmpty else { throw BoxError.validation(field: "track_ids", "track_ids must name at least one track.") }
        let detail = try context.store.deleteTracks(trackIDs, from: playlistID, now: context.now)
        context.record(.playlistTracksChanged(detail))
        return detail
    }
}

/// Puts a playlist's tracks in a new order: `trackIDs` lists every track once.
public struct ReorderTracks: BoxCommand {
    public var playlistID: PlaylistID
    public var trackIDs: [TrackID]

    public init(playlistID: PlaylistID, trackIDs: [TrackID]) {
        self.playlistID = playlistID
        self.trackIDs = trackIDs
    }

    public func run(in context: inout CommandContext) throws -> PlaylistDetail {
        let detail = try context.store.reorderTracks(in: playlistID, order: trackIDs, now: context.now)
        context.record(.playlistTracksChanged(detail))
        return detail
    }
}

/// Moves a track into a playlist (another one, or another place in its own) at a 0-based position.
public struct MoveTrack: BoxCommand {
    public var trackID: TrackID
    public var targetPlaylistID: PlaylistID
    public var position: Int?

    public init(trackID: TrackID, targetPlaylistID: PlaylistID, position: Int? = nil) {
        self.trackID = trackID
        self.targetPlaylistID = targetPlaylistID
        self.position = position
    }

    public func run(in context: inout CommandContext) throws -> Track {
        let details = try context.store.moveTrack(trackID, to: targetPlaylistID, position: position, now: context.now)
        for detail in details { context.record(.playlistTracksChanged(detail)) }
        guard let moved = details.last?.tracks.first(where: { $0.id == trackID }) else { throw BoxError.trackNotFound(trackID) }
        return moved
    }
}

/// Changes a track's title, artist or album (an empty artist or album clears it).
public struct UpdateTrack: BoxCommand {
    public var trackID: TrackID
    public var title: String?
    public var artist: String?
    public var album: String?

    public init(trackID: TrackID, title: String? = nil, artist: String? = nil, album: String? = nil) {
        self.trackID = trackID
        self.title = title
        self.artist = artist
        self.album = album
    }

    public func run(in context: inout CommandContext) throws -> Track {
        guard title != nil || artist != nil || album != nil else {
            throw BoxError.validation(field: "title", "Give a new title, artist or album.")
        }
        let title = try self.title.map { try TextRules.title($0) }
        let artist = try self.artist.map { $0.trimmingWhitespace().isEmpty ? "" : try TextRules.title($0, field: "artist") }
        let album = try self.album.map { $0.trimmingWhitespace().isEmpty ? "" : try TextRules.title($0, field: "album") }
        let detail = try context.store.updateTrack(trackID, title: title, artist: artist, album: album, now: context.now)
        guard let track = detail.tracks.first(where: { $0.id == trackID }) else { throw BoxError.trackNotFound(trackID) }
        context.record(.trackUpdated(track, detail))
        return track
    }
}

/// Adds an uploaded or imported file as the last track of a playlist. The file must already be
/// complete and flushed at `stagedFile`; the store moves it into the media folder and commits the row.
public struct AddTrack: BoxCommand {
    public var playlistID: PlaylistID
    public var track: NewTrack
    public var stagedFile: String

    public init(playlistID: PlaylistID, track: NewTrack, stagedFile: String) {
        self.playlistID = playlistID
        self.track = track
        self.stagedFile = stagedFile
    }

    public func run(in context: inout CommandContext) throws -> Track {
        let detail = try context.store.addTrack(track, stagedFile: stagedFile, to: playlistID, now: context.now)
        context.record(.playlistTracksChanged(detail))
        guard let added = detail.tracks.first(where: { $0.id == track.id }) else { throw BoxError.trackNotFound(track.id) }
        return added
    }
}

/// Adds a live stream (web radio) as the last item of a playlist. The caller has checked the
/// address (``StreamURL``) and, off the state manager, that it answers with audio.
public struct AddStream: BoxCommand {
    public var playlistID: PlaylistID
    public var stream: NewStream

    public init(playlistID: PlaylistID, stream: NewStream) {
        self.playlistID = playlistID
        self.stream = stream
    }

    public func run(in context: inout CommandContext) throws -> Track {
        let title = try TextRules.title(stream.title)
        let url = try StreamURL.check(stream.url)
        let detail = try context.store.addStream(NewStream(id: stream.id, url: url, title: title), to: playlistID, now: context.now)
        context.record(.playlistTracksChanged(detail))
        guard let added = detail.tracks.first(where: { $0.id == stream.id }) else { throw BoxError.trackNotFound(stream.id) }
        return added
    }
}

/// Makes a playlist follow a podcast feed, keeping the newest `keep` episodes downloaded.
public struct FollowFeed: BoxCommand {
    public static let keepRange = 1...50
    public var playlistID: PlaylistID
    public var url: String
    public var keep: Int

    public init(playlistID: PlaylistID, url: String, keep: Int) {
        self.playlistID = playlistID
        self.url = url
        self.keep = keep
    }

    public func run(in context: inout CommandContext) throws {
        let url = try StreamURL.check(url)
        guard Self.keepRange.contains(keep) else {
            throw BoxError.validation(field: "keep", "keep must be from \(Self.keepRange.lowerBound) to \(Self.keepRange.upperBound) episodes.")
        }
        try context.store.followFeed(playlistID, url: url, keep: keep, now: context.now)
    }
}

public struct UnfollowFeed: BoxCommand {
    public var playlistID: PlaylistID
    public init(playlistID: PlaylistID) { self.playlistID = playlistID }
    public func run(in context: inout CommandContext) throws { try context.store.unfollowFeed(playlistID) }
}

/// What a look at a followed feed found (its episodes), or why it failed (the old episodes stay).
public struct RecordFeedCheck: BoxCommand {
    public var playlistID: PlaylistID
    public var episodes: [FeedEpisode]?
    public var error: String?

    public init(playlistID: PlaylistID, episodes: [FeedEpisode]?, error: String?) {
        self.playlistID = playlistID
        self.episodes = episodes
        self.error = error
    }

    public func run(in context: inout CommandContext) throws {
        try context.store.recordFeedCheck(playlistID, episodes: episodes, error: error, now: context.now)
    }
}

/// Adds a downloaded episode (checked like an upload) to its playlist, newest first.
public struct AddEpisode: BoxCommand {
    public var playlistID: PlaylistID
    public var guid: String
    public var track: NewTrack
    public var stagedFile: String

    public init(playlistID: PlaylistID, guid: String, track: NewTrack, stagedFile: String) {
        self.playlistID = playlistID
        self.guid = guid
        self.track = track
        self.stagedFile = stagedFile
    }

    public func run(in context: inout CommandContext) throws -> Track {
        let detail = try context.store.addEpisode(track, stagedFile: stagedFile, guid: guid, to: playlistID, now: context.now)
        context.record(.playlistTracksChanged(detail))
        guard let added = detail.tracks.first(where: { $0.id == track.id }) else { throw BoxError.trackNotFound(track.id) }
        return added
    }
}
