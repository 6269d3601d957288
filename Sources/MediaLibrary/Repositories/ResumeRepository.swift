import GRDB
import MusicBoxCore

/// Where each playlist was left, so a tag tap continues rather than restarts.
public enum ResumeRepository {
    /// Saves `point`, unless its playlist or track is gone by now: a save written behind the
    /// command that deleted them has nothing left to describe.
    public static func save(_ db: Database, _ point: ResumePoint) throws {
        guard try PlaylistRecord.exists(db, key: point.playlistID.description) else { return }
        if let track = point.trackID, try !TrackRecord.exists(db, key: track.description) { return }
        try ResumeRecord(
            playlistID: point.playlistID.description, trackID: point.trackID?.description,
            positionMs: max(0, point.positionMs), updatedAt: point.updatedAt
        ).upsert(db)
    }

    public static func load(_ db: Database, playlist: PlaylistID) throws -> ResumePoint? {
        try ResumeRecord.fetchOne(db, key: playlist.description).flatMap(point)
    }

    /// The point saved last (the playlist left most recently).
    public static func latest(_ db: Database) throws -> ResumePoint? {
        try ResumeRecord.order(Column("updated_at").desc).fetchOne(db).flatMap(point)
    }

    private static func point(_ record: ResumeRecord) -> ResumePoint? {
        PlaylistID(record.playlistID).map {
            ResumePoint(playlistID: $0, trackID: record.trackID.flatMap(TrackID.init), positionMs: record.positionMs, updatedAt: record.updatedAt)
        }
    }

    /// Forgets a playlist's resume point (it starts over next time).
    public static func clear(_ db: Database, playlist: PlaylistID) throws {
        _ = try ResumeRecord.deleteOne(db, key: playlist.description)
    }
}
