/// Creates a playlist at the end of the list.
public struct CreatePlaylist: BoxCommand {
    public var title: String
    public var description: String

    public init(title: String, description: String = "") {
        self.title = title
        self.description = description
    }

    public func run(in context: inout CommandContext) throws -> PlaylistSummary {
        let title = try TextRules.title(title)
        let description = try TextRules.description(description)
        let playlist = try context.store.createPlaylist(title: title, description: description, now: context.now)
        context.record(.playlistCreated(playlist))
        return playlist
    }
}

/// Renames a playlist and/or changes its description. At least one of the two must be given.
public struct UpdatePlaylist: BoxCommand {
    public var id: PlaylistID
    public var title: String?
    public var description: String?

    public init(id: PlaylistID, title: String? = nil, description: String? = nil) {
        self.id = id
        self.title = title
        self.description = description
    }

    public func run(in context: inout CommandContext) throws -> PlaylistSummary {
        guard title != nil || description != nil else {
            throw BoxError.validation(field: "title", "Give a new title or description.")
        }
        let title = try self.title.map { try TextRules.title($0) }
        let description = try self.description.map { try TextRules.description($0) }
        let playlist = try context.store.updatePlaylist(id, title: title, description: description, now: context.now)
        context.record(.playlistUpdated(playlist))
        return playlist
    }
}

/// Deletes a playlist with its tracks, files, tag links and resume point.
public struct DeletePlaylist: BoxCommand {
    public var id: PlaylistID

    public init(id: PlaylistID) { self.id = id }

    public func run(in context: inout CommandContext) throws -> PlaylistDeletion {
        try context.store.deletePlaylist(id)
        context.record(.playlistDeleted(id))
        return PlaylistDeletion(playlistID: id)
    }
}

/// What deleting a playlist returns: `{playlist_id}`.
public struct PlaylistDeletion: Sendable, Equatable, Encodable {
    public var playlistID: PlaylistID

    enum CodingKeys: String, CodingKey { case playlistID = "playlist_id" }
}
