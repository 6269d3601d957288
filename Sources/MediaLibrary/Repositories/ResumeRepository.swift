import GRDB
import MusicBoxCore

/// Where each playlist was left, so a tag tap continues rather than restarts.
public enum ResumeRepository {
    public static func save(_ db: Database, _ point: ResumePoint) throws {
        try ResumeRecord(
            playlistID: point.playlistID.description, trackID: point.trackID?.description,
            positionMs: max(0, point.positionMs), updatedAt: point.updatedAt
        ).upsert(db)
    }

    public static func load(_ db: Database, playlist: PlaylistID) throws -> ResumePoint? {
        guard let record = try ResumeRecord.fetchOne(db, key: playlist.description) else { return nil }
        return ResumePoint(
            playlistID: playlist, trackID: record.trackID.flatMap(TrackID.init),
            positionMs: record.positionMs, updatedAt: record.updatedAt
        )
    }

    /// Forgets a playlist's resume point (it starts over next time).
    public static func clear(_ db: Database, playlist: PlaylistID) throws {
        _ = try ResumeRecord.deleteOne(db, key: playlist.description)
    }
}
