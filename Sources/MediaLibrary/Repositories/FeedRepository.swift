import GRDB
import MusicBoxCore

/// `feeds` (one per playlist that follows a podcast) and `feed_episodes` (what the feed listed,
/// and the track each downloaded episode became).
public enum FeedRepository {
    public static func follow(_ db: Database, playlist: PlaylistID, url: String, keep: Int, now: EpochMillis) throws {
        guard try PlaylistRepository.exists(db, id: playlist) else { throw BoxError.playlistNotFound(playlist) }
        let existing = try String.fetchOne(db, sql: "SELECT url FROM feeds WHERE playlist_id = ?", arguments: [playlist.description])
        if existing != url {
            // Another feed: what the old one listed is forgotten (its downloaded tracks stay).
            try db.execute(sql: "DELETE FROM feed_episodes WHERE playlist_id = ?", arguments: [playlist.description])
        }
        try db.execute(
            sql: """
                INSERT INTO feeds (playlist_id, url, keep, checked_at, error, created_at) VALUES (?, ?, ?, NULL, NULL, ?)
                ON CONFLICT(playlist_id) DO UPDATE SET url = excluded.url, keep = excluded.keep,
                    checked_at = CASE WHEN feeds.url = excluded.url THEN feeds.checked_at END,
                    error = CASE WHEN feeds.url = excluded.url THEN feeds.error END
                """,
            arguments: [playlist.description, url, keep, now]
        )
    }

    public static func unfollow(_ db: Database, playlist: PlaylistID) throws {
        try db.execute(sql: "DELETE FROM feeds WHERE playlist_id = ?", arguments: [playlist.description])
        guard db.changesCount > 0 else {
            throw BoxError(.notFound, "The playlist follows no podcast.", details: ["playlist_id": playlist.description])
        }
    }

    /// A look at the feed: its episodes now (upserted; ones it no longer lists stay), or why it failed.
    public static func record(_ db: Database, playlist: PlaylistID, episodes: [FeedEpisode]?, error: String?, now: EpochMillis) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM feeds WHERE playlist_id = ?", arguments: [playlist.description]) == true else {
            throw BoxError(.notFound, "The playlist follows no podcast.", details: ["playlist_id": playlist.description])
        }
        try db.execute(sql: "UPDATE feeds SET checked_at = ?, error = ? WHERE playlist_id = ?", arguments: [now, error, playlist.description])
        for episode in episodes ?? [] {
            try db.execute(
                sql: """
                    INSERT INTO feed_episodes (playlist_id, guid, title, published_at, duration_ms, url, track_id) VALUES (?, ?, ?, ?, ?, ?, NULL)
                    ON CONFLICT(playlist_id, guid) DO UPDATE SET title = excluded.title, published_at = excluded.published_at,
                        duration_ms = excluded.duration_ms, url = excluded.url
                    """,
                arguments: [playlist.description, episode.guid, episode.title, episode.publishedAt, episode.durationMs, episode.url]
            )
        }
    }

    public static func linkEpisode(_ db: Database, playlist: PlaylistID, guid: String, track: TrackID) throws {
        try db.execute(sql: "UPDATE feed_episodes SET track_id = ? WHERE playlist_id = ? AND guid = ?",
                       arguments: [track.description, playlist.description, guid])
        guard db.changesCount > 0 else { throw BoxError(.notFound, "The feed lists no episode \(guid).") }
    }

    /// The playlist's tracks that are episodes, newest first, then its other tracks as they were.
    public static func newestFirst(_ db: Database, playlist: PlaylistID) throws -> [TrackID] {
        let episodes = try String.fetchAll(
            db, sql: "SELECT track_id FROM feed_episodes WHERE playlist_id = ? AND track_id IS NOT NULL ORDER BY published_at DESC, rowid DESC",
            arguments: [playlist.description]
        ).compactMap(TrackID.init)
        let others = try TrackRepository.tracks(db, in: playlist).map(\.id).filter { !episodes.contains($0) }
        return episodes + others
    }

    public static func feed(_ db: Database, playlist: PlaylistID) throws -> FeedState? {
        guard let row = try Row.fetchOne(db, sql: "SELECT url, keep, checked_at, error FROM feeds WHERE playlist_id = ?", arguments: [playlist.description]) else {
            return nil
        }
        let episodes = try Row.fetchAll(
            db, sql: """
                SELECT e.guid, e.title, e.published_at, e.duration_ms, e.url, t.id AS track_id FROM feed_episodes e
                LEFT JOIN tracks t ON t.id = e.track_id WHERE e.playlist_id = ? ORDER BY e.published_at DESC, e.rowid ASC
                """,
            arguments: [playlist.description]
        ).map { row in
            FeedEpisodeState(
                episode: FeedEpisode(guid: row["guid"], title: row["title"], publishedAt: row["published_at"], durationMs: row["duration_ms"], url: row["url"]),
                trackID: (row["track_id"] as String?).flatMap(TrackID.init)
            )
        }
        return FeedState(playlistID: playlist, url: row["url"], keep: row["keep"], checkedAt: row["checked_at"], error: row["error"], episodes: episodes)
    }

    /// The place of each downloaded episode, by track; `nil` when the playlist follows no podcast.
    public static func progress(_ db: Database, playlist: PlaylistID) throws -> [TrackID: EpisodeProgress]? {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM feeds WHERE playlist_id = ?", arguments: [playlist.description]) == true else { return nil }
        let rows = try Row.fetchAll(
            db, sql: "SELECT track_id, position_ms, finished, progress_at FROM feed_episodes WHERE playlist_id = ? AND track_id IS NOT NULL",
            arguments: [playlist.description]
        )
        var places: [TrackID: EpisodeProgress] = [:]
        for row in rows {
            guard let track = (row["track_id"] as String?).flatMap(TrackID.init) else { continue }
            places[track] = EpisodeProgress(trackID: track, positionMs: row["position_ms"], finished: row["finished"], updatedAt: row["progress_at"] ?? 0)
        }
        return places
    }

    /// Nothing when the track is no episode.
    public static func saveProgress(_ db: Database, _ progress: EpisodeProgress) throws {
        try db.execute(
            sql: "UPDATE feed_episodes SET position_ms = ?, finished = ?, progress_at = ? WHERE track_id = ?",
            arguments: [max(0, progress.positionMs), progress.finished, progress.updatedAt, progress.trackID.description]
        )
    }

    public static func followed(_ db: Database) throws -> [PlaylistID] {
        try String.fetchAll(db, sql: "SELECT playlist_id FROM feeds ORDER BY created_at").compactMap(PlaylistID.init)
    }
}
