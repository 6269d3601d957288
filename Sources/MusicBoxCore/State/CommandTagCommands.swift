/// Links a tag to a command (``TagCommand``). A tag that plays a playlist is a `conflict`
/// (naming it) unless `force` moves it; that playlist is then republished.
public struct LinkCommandTag: BoxCommand {
    public var tag: TagID
    public var command: TagCommand
    public var force: Bool

    public init(tag: TagID, command: TagCommand, force: Bool = false) {
        self.tag = tag
        self.command = command
        self.force = force
    }

    public func run(in context: inout CommandContext) throws -> [CommandTag] {
        if let moved = try context.store.linkCommandTag(tag, to: command, force: force, now: context.now) {
            context.record(.playlistUpdated(moved))
        }
        return try context.store.commandTags()
    }
}

/// Removes a tag's command; tapping it then is an unknown tag again.
public struct UnlinkCommandTag: BoxCommand {
    public var tag: TagID

    public init(tag: TagID) { self.tag = tag }

    public func run(in context: inout CommandContext) throws -> [CommandTag] {
        try context.store.unlinkCommandTag(tag)
        return try context.store.commandTags()
    }
}
