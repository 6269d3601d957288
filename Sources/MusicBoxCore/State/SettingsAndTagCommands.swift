/// Changes the parents' settings. Lowering `max_volume` below the current volume turns the box
/// down at once (published as `state:player`).
public struct UpdateSettings: BoxCommand {
    public var maxVolume: Int?
    public var startupVolume: Int?
    public var tagRemoval: String?
    public var startOverAfterHours: Int?
    public var playbackRequiresToken: Bool?
    public var sleepTimerMinutes: Int?

    public init(
        maxVolume: Int? = nil, startupVolume: Int? = nil, tagRemoval: String? = nil, startOverAfterHours: Int? = nil,
        playbackRequiresToken: Bool? = nil, sleepTimerMinutes: Int? = nil
    ) {
        self.sleepTimerMinutes = sleepTimerMinutes
        self.playbackRequiresToken = playbackRequiresToken
        self.maxVolume = maxVolume
        self.startupVolume = startupVolume
        self.tagRemoval = tagRemoval
        self.startOverAfterHours = startOverAfterHours
    }

    public func run(in context: inout CommandContext) throws -> SettingsSnapshot {
        guard maxVolume != nil || startupVolume != nil || tagRemoval != nil || startOverAfterHours != nil || playbackRequiresToken != nil
            || sleepTimerMinutes != nil
        else {
            throw BoxError.validation(
                field: "body",
                "Give at least one of max_volume, startup_volume, tag_removal, start_over_after_hours, playback_requires_token, sleep_timer_minutes."
            )
        }
        if let sleepTimerMinutes, !(1...SleepTimer.maximumMinutes).contains(sleepTimerMinutes) {
            throw BoxError.validation(field: "sleep_timer_minutes", "sleep_timer_minutes must be from 1 to \(SleepTimer.maximumMinutes).")
        }
        for (name, value) in [("max_volume", maxVolume), ("startup_volume", startupVolume)] {
            if let value, !(0...100).contains(value) { throw BoxError.validation(field: name, "\(name) must be from 0 to 100.") }
        }
        if let tagRemoval, TagBehaviour.Removal(rawValue: tagRemoval) == nil {
            throw BoxError.validation(field: "tag_removal", "tag_removal must be \"pause\" or \"keep_playing\".")
        }
        if let startOverAfterHours, !(0...8760).contains(startOverAfterHours) {
            throw BoxError.validation(field: "start_over_after_hours", "start_over_after_hours must be from 0 to 8760 (0: always resume).")
        }
        if let tagRemoval { try context.store.setSetting(BoxSettings.tagRemoval, to: tagRemoval, now: context.now) }
        if let startOverAfterHours { try context.store.setSetting(BoxSettings.startOverAfterHours, to: startOverAfterHours, now: context.now) }
        if let sleepTimerMinutes { try context.store.setSetting(BoxSettings.sleepTimerMinutes, to: sleepTimerMinutes, now: context.now) }
        if let playbackRequiresToken {
            try context.store.setSetting(BoxSettings.playbackRequiresToken, to: playbackRequiresToken, now: context.now)
        }
        if let maxVolume {
            try context.store.setSetting(BoxSettings.maxVolume, to: maxVolume, now: context.now)
            context.player.maxVolume = maxVolume
            if context.player.volume > maxVolume {
                context.player.volume = maxVolume
                context.engine.setVolume(maxVolume, muted: context.player.muted)
            }
        }
        if let startupVolume {
            try context.store.setSetting(BoxSettings.startupVolume, to: startupVolume, now: context.now)
        }
        let tags = TagBehaviour.current(context.store)
        return SettingsSnapshot(
            maxVolume: context.player.maxVolume,
            startupVolume: try startupVolume ?? context.store.setting(BoxSettings.startupVolume),
            tagRemoval: tags.removal, startOverAfterHours: Int(tags.startOverAfterMs / 3_600_000),
            playbackRequiresToken: try playbackRequiresToken ?? context.store.setting(BoxSettings.playbackRequiresToken),
            sleepTimerMinutes: try sleepTimerMinutes ?? context.store.setting(BoxSettings.sleepTimerMinutes)
        )
    }
}

/// Links an NFC tag to a playlist, so tapping it plays that playlist. A tag that already plays
/// another playlist is a `conflict` (naming that playlist) unless `force` moves it.
public struct LinkTag: BoxCommand {
    public var tag: TagID
    public var playlistID: PlaylistID
    public var force: Bool

    public init(tag: TagID, playlistID: PlaylistID, force: Bool = false) {
        self.tag = tag
        self.playlistID = playlistID
        self.force = force
    }

    public func run(in context: inout CommandContext) throws -> TagLink {
        guard context.library.contains(playlistID) else { throw BoxError.playlistNotFound(playlistID) }
        let changed = try context.store.linkTag(tag, to: playlistID, force: force, now: context.now)
        for summary in changed { context.record(.playlistUpdated(summary)) }
        let moved = changed.first { $0.id != playlistID }?.id
        return TagLink(tag: tag, playlistID: playlistID, previousPlaylistID: moved)
    }
}

/// Removes a tag's link; tapping it then plays nothing.
public struct UnlinkTag: BoxCommand {
    public var tag: TagID

    public init(tag: TagID) { self.tag = tag }

    public func run(in context: inout CommandContext) throws -> TagLink {
        let summary = try context.store.unlinkTag(tag, now: context.now)
        context.record(.playlistUpdated(summary))
        return TagLink(tag: tag, playlistID: nil, previousPlaylistID: summary.id)
    }
}

/// Where a tag points after a link change.
public struct TagLink: Sendable, Equatable, Encodable {
    public var tag: TagID
    public var playlistID: PlaylistID?
    /// The playlist the tag was taken from, if it moved or was unlinked.
    public var previousPlaylistID: PlaylistID?

    public init(tag: TagID, playlistID: PlaylistID?, previousPlaylistID: PlaylistID?) {
        self.tag = tag
        self.playlistID = playlistID
        self.previousPlaylistID = previousPlaylistID
    }

    enum CodingKeys: String, CodingKey {
        case tag = "tag_id"
        case playlistID = "playlist_id"
        case previousPlaylistID = "previous_playlist_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tag, forKey: .tag)
        try container.encode(playlistID, forKey: .playlistID)
        try container.encode(previousPlaylistID, forKey: .previousPlaylistID)
    }
}
