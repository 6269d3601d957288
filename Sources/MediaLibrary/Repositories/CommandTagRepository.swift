import GRDB
import MusicBoxCore

/// A row of `tag_commands`: one NFC tag linked to a command.
struct CommandTagRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "tag_commands"

    var tagID: String
    var action: String
    var minutes: Int?
    var volume: Int?
    var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case tagID = "tag_id"
        case action, minutes, volume
        case createdAt = "created_at"
    }

    var commandTag: CommandTag? {
        guard let tag = TagID(tagID), let action = TagCommand.Action(rawValue: action) else { return nil }
        return CommandTag(tagID: tag, command: TagCommand(action: action, minutes: minutes, volume: volume), createdAt: createdAt)
    }
}

/// Links between NFC tags and commands. A tag linked to a playlist is moved here only with
/// `force` (and the other way round, ``TagRepository/link(_:tag:to:force:now:)``).
public enum CommandTagRepository {
    /// Every command tag, oldest first.
    public static func all(_ db: Database) throws -> [CommandTag] {
        try CommandTagRecord.order(Column("created_at"), Column("tag_id")).fetchAll(db).compactMap(\.commandTag)
    }

    public static func command(_ db: Database, for tag: TagID) throws -> TagCommand? {
        try CommandTagRecord.fetchOne(db, key: tag.hex)?.commandTag?.command
    }

    /// Links `tag` to `command`. A tag that plays a playlist is a `conflict` unless `force`
    /// moves it; returns that playlist, if one lost it.
    @discardableResult
    public static func link(_ db: Database, tag: TagID, to command: TagCommand, force: Bool, now: EpochMillis) throws -> PlaylistID? {
        let playlist = try TagRepository.playlist(db, for: tag)
        if let playlist {
            guard force else {
                throw BoxError(
                    .conflict, "Tag \(tag) already plays a playlist.", details: ["tag_id": tag.hex, "conflict_playlist_id": playlist.description]
                )
            }
            try TagRepository.unlink(db, tag: tag)
        }
        try CommandTagRecord(tagID: tag.hex, action: command.action.rawValue, minutes: command.minutes, volume: command.volume, createdAt: now)
            .save(db)
        return playlist
    }

    /// Removes the tag's command. Returns whether there was one.
    @discardableResult
    public static func unlink(_ db: Database, tag: TagID) throws -> Bool {
        try CommandTagRecord.deleteOne(db, key: tag.hex)
    }
}
