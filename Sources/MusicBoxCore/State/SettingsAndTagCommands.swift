/// Changes the parents' settings; each field left nil stays as it is. Lowering `max_volume`
/// below the current volume turns the box down at once (published as `state:player`); quiet-hours
/// changes take effect at the manager's next clock check (within a second).
public struct UpdateSettings: BoxCommand {
    public var maxVolume: Int?
    public var minVolume: Int?
    public var startupVolume: Int?
    public var startupVolumeAfterIdleMinutes: Int?
    public var tagRemoval: String?
    public var tagAgain: String?
    public var toddlerLockMode: String?
    public var dailyLimitMinutes: Int?
    /// The box's name; empty clears it.
    public var boxName: String?
    public var startOverAfterHours: Int?
    public var playbackRequiresToken: Bool?
    public var sleepTimerMinutes: Int?
    public var quietHoursEnabled: Bool?
    public var quietHoursStart: String?
    public var quietHoursEnd: String?
    public var quietHoursMaxVolume: Int?
    public var feedbackSounds: Bool?
    public var feedbackVolume: Int?

    public init(
        maxVolume: Int? = nil, startupVolume: Int? = nil, tagRemoval: String? = nil, startOverAfterHours: Int? = nil,
        playbackRequiresToken: Bool? = nil, sleepTimerMinutes: Int? = nil, quietHoursEnabled: Bool? = nil,
        quietHoursStart: String? = nil, quietHoursEnd: String? = nil, quietHoursMaxVolume: Int? = nil,
        feedbackSounds: Bool? = nil, feedbackVolume: Int? = nil, tagAgain: String? = nil, minVolume: Int? = nil,
        startupVolumeAfterIdleMinutes: Int? = nil, toddlerLockMode: String? = nil, dailyLimitMinutes: Int? = nil, boxName: String? = nil
    ) {
        self.boxName = boxName
        self.dailyLimitMinutes = dailyLimitMinutes
        self.toddlerLockMode = toddlerLockMode
        self.minVolume = minVolume
        self.startupVolumeAfterIdleMinutes = startupVolumeAfterIdleMinutes
        self.tagAgain = tagAgain
        self.feedbackSounds = feedbackSounds
        self.feedbackVolume = feedbackVolume
        self.maxVolume = maxVolume
        self.startupVolume = startupVolume
        self.tagRemoval = tagRemoval
        self.startOverAfterHours = startOverAfterHours
        self.playbackRequiresToken = playbackRequiresToken
        self.sleepTimerMinutes = sleepTimerMinutes
        self.quietHoursEnabled = quietHoursEnabled
        self.quietHoursStart = quietHoursStart
        self.quietHoursEnd = quietHoursEnd
        self.quietHoursMaxVolume = quietHoursMaxVolume
    }

    static let fieldNames = "max_volume, min_volume, startup_volume, startup_volume_after_idle_minutes, tag_removal, tag_again, start_over_after_hours, playback_requires_token, "
        + "sleep_timer_minutes, quiet_hours_enabled, quiet_hours_start, quiet_hours_end, quiet_hours_max_volume, feedback_sounds, feedback_volume, toddler_lock_mode, daily_limit_minutes, box_name"

    var isEmpty: Bool {
        maxVolume == nil && minVolume == nil && startupVolume == nil && startupVolumeAfterIdleMinutes == nil && tagRemoval == nil && tagAgain == nil && startOverAfterHours == nil && playbackRequiresToken == nil
            && sleepTimerMinutes == nil && quietHoursEnabled == nil && quietHoursStart == nil && quietHoursEnd == nil
            && quietHoursMaxVolume == nil && feedbackSounds == nil && feedbackVolume == nil && toddlerLockMode == nil && dailyLimitMinutes == nil
            && boxName == nil
    }

    /// Every value checked before anything is written, so a refusal changes nothing; `parentMax`
    /// and `parentMin` are the caps in force, for the floor and the cap checked together.
    func validate(parentMax: Int = 100, parentMin: Int = 0) throws(BoxError) {
        guard !isEmpty else { throw BoxError.validation(field: "body", "Give at least one of \(Self.fieldNames).") }
        for (name, value) in [("max_volume", maxVolume), ("min_volume", minVolume), ("startup_volume", startupVolume), ("quiet_hours_max_volume", quietHoursMaxVolume), ("feedback_volume", feedbackVolume)] {
            if let value, !(0...100).contains(value) { throw BoxError.validation(field: name, "\(name) must be from 0 to 100.") }
        }
        if (minVolume ?? parentMin) > (maxVolume ?? parentMax) {
            throw BoxError.validation(field: minVolume != nil ? "min_volume" : "max_volume", "min_volume must not be above max_volume.")
        }
        if let startupVolumeAfterIdleMinutes, !(0...1440).contains(startupVolumeAfterIdleMinutes) {
            throw BoxError.validation(
                field: "startup_volume_after_idle_minutes", "startup_volume_after_idle_minutes must be from 0 to 1440 (0: only at start-up).")
        }
        if let sleepTimerMinutes, !(1...SleepTimer.maximumMinutes).contains(sleepTimerMinutes) {
            throw BoxError.validation(field: "sleep_timer_minutes", "sleep_timer_minutes must be from 1 to \(SleepTimer.maximumMinutes).")
        }
        if let tagRemoval, TagBehaviour.Removal(rawValue: tagRemoval) == nil {
            throw BoxError.validation(field: "tag_removal", "tag_removal must be \"pause\" or \"keep_playing\".")
        }
        if let dailyLimitMinutes, !(0...1440).contains(dailyLimitMinutes) {
            throw BoxError.validation(field: "daily_limit_minutes", "daily_limit_minutes must be from 0 to 1440 (0: no limit).")
        }
        _ = try Self.boxName(boxName)
        if let toddlerLockMode, ToddlerLock.Mode(rawValue: toddlerLockMode) == nil {
            throw BoxError.validation(field: "toddler_lock_mode", "toddler_lock_mode must be \"all\" or \"all_but_volume_down\".")
        }
        if let tagAgain, TagBehaviour.Again(rawValue: tagAgain) == nil {
            throw BoxError.validation(field: "tag_again", "tag_again must be \"continue\", \"restart\" or \"next\".")
        }
        if let startOverAfterHours, !(0...8760).contains(startOverAfterHours) {
            throw BoxError.validation(field: "start_over_after_hours", "start_over_after_hours must be from 0 to 8760 (0: always resume).")
        }
        for (name, value) in [("quiet_hours_start", quietHoursStart), ("quiet_hours_end", quietHoursEnd)] {
            if let value, QuietHours.minutes(value) == nil { throw BoxError.validation(field: name, "\(name) must be a time like \"19:30\".") }
        }
    }

    /// The longest name a box may have: it sits in a phone's header beside two buttons.
    public static let maxBoxNameLength = 40

    /// A box name as stored: a title by ``TextRules`` (nothing invisible, trimmed), at most
    /// ``maxBoxNameLength``; empty (or only spaces) clears it.
    static func boxName(_ raw: String?) throws(BoxError) -> String? {
        guard let raw else { return nil }
        guard !raw.trimmingWhitespace().isEmpty else { return "" }
        let name = try TextRules.title(raw, field: "box_name")
        guard name.count <= maxBoxNameLength else {
            throw BoxError.validation(field: "box_name", "box_name is \(name.count) characters; the limit is \(maxBoxNameLength).")
        }
        return name
    }

    public func run(in context: inout CommandContext) throws -> SettingsSnapshot {
        try validate(parentMax: context.player.parentMaxVolume, parentMin: context.player.parentMinVolume)
        let store = context.store, now = context.now
        func save<Value>(_ key: SettingKey<Value>, _ value: Value?) throws {
            if let value { try store.setSetting(key, to: value, now: now) }
        }
        try save(BoxSettings.tagRemoval, tagRemoval)
        try save(BoxSettings.tagAgain, tagAgain)
        try save(BoxSettings.toddlerLockMode, toddlerLockMode)
        try save(BoxSettings.dailyLimitMinutes, dailyLimitMinutes)
        try save(BoxSettings.boxName, try Self.boxName(boxName))
        try save(BoxSettings.startOverAfterHours, startOverAfterHours)
        try save(BoxSettings.sleepTimerMinutes, sleepTimerMinutes)
        try save(BoxSettings.playbackRequiresToken, playbackRequiresToken)
        try save(BoxSettings.startupVolume, startupVolume)
        try save(BoxSettings.startupVolumeAfterIdleMinutes, startupVolumeAfterIdleMinutes)
        try save(BoxSettings.minVolume, minVolume)
        if let minVolume { context.player.parentMinVolume = minVolume }
        try save(BoxSettings.quietHoursEnabled, quietHoursEnabled)
        try save(BoxSettings.quietHoursStart, quietHoursStart)
        try save(BoxSettings.quietHoursEnd, quietHoursEnd)
        try save(BoxSettings.quietHoursMaxVolume, quietHoursMaxVolume)
        try save(BoxSettings.feedbackSounds, feedbackSounds)
        try save(BoxSettings.feedbackVolume, feedbackVolume)
        if let maxVolume {
            try save(BoxSettings.maxVolume, maxVolume)
            context.player.maxVolume = maxVolume
        }
        // A new cap or floor applies at once (the cap lower still during quiet hours).
        let allowed = context.player.allowedVolume(context.player.volume)
        if allowed != context.player.volume {
            context.player.volume = allowed
            context.engine.setVolume(allowed, muted: context.player.muted)
        }
        return try SettingsSnapshot.current(store, player: context.player)
    }
}

extension SettingsSnapshot {
    /// The settings in force: the parents' cap from the player, the rest from the store.
    static func current(_ store: any LibraryReading, player: Player) throws -> SettingsSnapshot {
        let tags = TagBehaviour.current(store)
        return SettingsSnapshot(
            maxVolume: player.parentMaxVolume, startupVolume: try store.setting(BoxSettings.startupVolume),
            tagRemoval: tags.removal, tagAgain: tags.again, startOverAfterHours: Int(tags.startOverAfterMs / 3_600_000),
            playbackRequiresToken: try store.setting(BoxSettings.playbackRequiresToken),
            sleepTimerMinutes: try store.setting(BoxSettings.sleepTimerMinutes), quietHours: QuietHours.load(store),
            feedback: FeedbackSounds.load(store), minVolume: player.parentMinVolume,
            startupVolumeAfterIdleMinutes: try store.setting(BoxSettings.startupVolumeAfterIdleMinutes),
            toddlerLockMode: ToddlerLock.Mode(rawValue: try store.setting(BoxSettings.toddlerLockMode)) ?? .all,
            dailyLimitMinutes: try store.setting(BoxSettings.dailyLimitMinutes), boxName: try store.setting(BoxSettings.boxName)
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
