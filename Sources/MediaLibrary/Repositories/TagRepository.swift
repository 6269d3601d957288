import GRDB
import MusicBoxCore

/// Links between NFC tags and playlists. One tag plays at most one playlist.
public enum TagRepository {
    /// Links `tag` to `playlist`. When the tag already belongs to another playlist this is a
    /// `conflict` unless `force` moves it. Returns the playlist the tag belonged to before, if any.
    @discardableResult
    public static func link(
        _ db: Database, tag: TagID, to playlist: PlaylistID, force: Bool, now: EpochMillis
    ) throws -> PlaylistID? {
        guard try PlaylistRepository.exists(db, id: playlist) else { throw BoxError.playlistNotFound(playlist) }
        if let command = try CommandTagRepository.command(db, for: tag) {
            guard force else {
                throw BoxError(
                    .conflict, "Tag \(tag) is a command tag (\(command.action.rawValue)).",
                    details: ["tag_id": tag.hex, "conflict_command": command.action.rawValue]
                )
            }
            try CommandTagRepository.unlink(db, tag: tag)
        }
        let previous = try TagRepository.playlist(db, for: tag)
        if let previous, previous != playlist, !force {
            throw BoxError(
                .conflict, "Tag \(tag) already plays another playlist.",
                details: ["tag_id": tag.hex, "conflict_playlist_id": previous.description]
            )
        }
        if previous == playlist { return previous }
        try TagRecord(tagID: tag.hex, playlistID: playlist.description, createdAt: now).save(db)
        return previous
    }

    /// Removes the tag's link. Returns whether there was one.
    @discardableResult
    public static func unlink(_ db: Database, tag: TagID) throws -> Bool {
        try TagRecord.deleteOne(db, key: tag.hex)
    }

    public static func playlist(_ db: Database, for tag: TagID) throws -> PlaylistID? {
        try TagRecord.fetchOne(db, key: tag.hex).flatMap { PlaylistID($0.playlistID) }
    }

    /// The tags of a playlist, oldest link first.
    public static func tags(_ db: Database, of playlist: PlaylistID) throws -> [TagID] {
        try TagRecord
            .filter(TagRecord.Columns.playlistID == playlist.description)
            .order(Column("created_at"), Column("tag_id"))
            .fetchAll(db)
            .compactMap { TagID($0.tagID) }
    }
}
