/// A typed key of the persistent settings table, with the value used when nothing is stored.
/// Keys are declared once, here, so every reader and writer agrees on name, type and default.
public struct SettingKey<Value: Codable & Sendable & Equatable>: Sendable {
    public let name: String
    public let defaultValue: Value

    public init(_ name: String, default defaultValue: Value) {
        self.name = name
        self.defaultValue = defaultValue
    }
}

/// The box's persistent settings. Each is read at start and changed only through ``UpdateSettings``.
public enum BoxSettings {
    /// The loudest the box plays (0–100); parents set it, every volume request is capped by it.
    public static let maxVolume = SettingKey<Int>("max_volume", default: 100)
    /// The volume at start, so a box left loud at night starts gently in the morning.
    public static let startupVolume = SettingKey<Int>("startup_volume", default: 50)
    /// The quietest the box plays (0–100, at most `max_volume`), so it is never turned down to nothing.
    public static let minVolume = SettingKey<Int>("min_volume", default: 0)
    /// Silent this many minutes, a tap starts at the start-up volume again (0: only at start-up).
    public static let startupVolumeAfterIdleMinutes = SettingKey<Int>("startup_volume_after_idle_minutes", default: 0)
    /// What lifting the playing playlist's tag does: "pause" (putting it back continues) or "keep_playing".
    public static let tagRemoval = SettingKey<String>("tag_removal", default: TagBehaviour.Removal.pause.rawValue)
    /// What tapping the tag of the playlist already loaded does: "continue", "restart" or "next".
    public static let tagAgain = SettingKey<String>("tag_again", default: TagBehaviour.Again.continue.rawValue)
    /// A playlist left longer ago than this starts over when its tag is placed (0: always resume).
    public static let startOverAfterHours = SettingKey<Int>("start_over_after_hours", default: 24)
    /// Once a parent PIN is set, whether playback control needs the parent token too (by default
    /// everyone on the home network may play, pause and skip).
    public static let playbackRequiresToken = SettingKey<Bool>("playback_requires_token", default: false)
    /// The sleep timer's length when a client starts one without saying how long (minutes).
    public static let sleepTimerMinutes = SettingKey<Int>("sleep_timer_minutes", default: 30)
    /// Quiet hours (see ``QuietHours``): on or off, the window in local time, and its volume cap (0: no playback).
    public static let quietHoursEnabled = SettingKey<Bool>("quiet_hours_enabled", default: false)
    public static let quietHoursStart = SettingKey<String>("quiet_hours_start", default: "19:30")
    public static let quietHoursEnd = SettingKey<String>("quiet_hours_end", default: "07:00")
    public static let quietHoursMaxVolume = SettingKey<Int>("quiet_hours_max_volume", default: 30)
    /// Short sounds for ready, tag linked, unknown tag and errors (see ``FeedbackCue``), and how loud (0–100).
    public static let feedbackSounds = SettingKey<Bool>("feedback_sounds", default: true)
    public static let feedbackVolume = SettingKey<Int>("feedback_volume", default: 30)
    /// The daily listening limit in minutes (0: none), and today's count (``DailyLimit``).
    public static let dailyLimitMinutes = SettingKey<Int>("daily_limit_minutes", default: 0)
    public static let listeningToday = SettingKey<ListeningDay?>("listening_today", default: nil)
    /// The toddler lock (see ``ToddlerLock``): on or off, and which buttons it holds.
    public static let toddlerLock = SettingKey<Bool>("toddler_lock", default: false)
    public static let toddlerLockMode = SettingKey<String>("toddler_lock_mode", default: ToddlerLock.Mode.all.rawValue)
    /// The box's own name, as the family calls it ("Mia's box"): the web UI's header and the
    /// smart home's device name. Empty: not named yet (the UI says "Music Box" in its language).
    public static let boxName = SettingKey<String>("box_name", default: "")
    /// The smart home's broker as the parents chose it, over the config file (see ``MQTTPreferences``).
    /// Not part of ``SettingsSnapshot``: it holds the broker password, and only parents read it.
    public static let mqtt = SettingKey<MQTTPreferences>("mqtt", default: MQTTPreferences())
}

/// The settings as clients see them (`/api/settings`).
public struct SettingsSnapshot: Sendable, Equatable, Codable {
    public var boxName: String
    public var maxVolume: Int
    public var minVolume: Int
    public var startupVolume: Int
    public var startupVolumeAfterIdleMinutes: Int
    public var toddlerLockMode: ToddlerLock.Mode
    public var dailyLimitMinutes: Int
    public var tagRemoval: TagBehaviour.Removal
    public var tagAgain: TagBehaviour.Again
    public var startOverAfterHours: Int
    public var playbackRequiresToken: Bool
    public var sleepTimerMinutes: Int
    public var quietHoursEnabled: Bool
    public var quietHoursStart: String
    public var quietHoursEnd: String
    public var quietHoursMaxVolume: Int
    public var feedbackSounds: Bool
    public var feedbackVolume: Int

    public init(
        maxVolume: Int, startupVolume: Int, tagRemoval: TagBehaviour.Removal = .pause, tagAgain: TagBehaviour.Again = .continue,
        startOverAfterHours: Int = 24,
        playbackRequiresToken: Bool = false, sleepTimerMinutes: Int = 30, quietHours: QuietHours? = nil,
        feedback: FeedbackSounds = FeedbackSounds(), minVolume: Int = 0, startupVolumeAfterIdleMinutes: Int = 0,
        toddlerLockMode: ToddlerLock.Mode = .all, dailyLimitMinutes: Int = 0, boxName: String = ""
    ) {
        self.boxName = boxName
        self.dailyLimitMinutes = dailyLimitMinutes
        self.toddlerLockMode = toddlerLockMode
        self.minVolume = minVolume
        self.startupVolumeAfterIdleMinutes = startupVolumeAfterIdleMinutes
        feedbackSounds = feedback.enabled
        feedbackVolume = feedback.volume
        let quiet = quietHours ?? QuietHours(enabled: false, start: 19 * 60 + 30, end: 7 * 60, maxVolume: 30)
        quietHoursEnabled = quiet.enabled
        quietHoursStart = QuietHours.text(quiet.start)
        quietHoursEnd = QuietHours.text(quiet.end)
        quietHoursMaxVolume = quiet.maxVolume
        self.sleepTimerMinutes = sleepTimerMinutes
        self.playbackRequiresToken = playbackRequiresToken
        self.maxVolume = maxVolume
        self.startupVolume = startupVolume
        self.tagRemoval = tagRemoval
        self.tagAgain = tagAgain
        self.startOverAfterHours = startOverAfterHours
    }

    enum CodingKeys: String, CodingKey {
        case maxVolume = "max_volume"
        case startupVolume = "startup_volume"
        case minVolume = "min_volume"
        case startupVolumeAfterIdleMinutes = "startup_volume_after_idle_minutes"
        case tagRemoval = "tag_removal"
        case tagAgain = "tag_again"
        case startOverAfterHours = "start_over_after_hours"
        case playbackRequiresToken = "playback_requires_token"
        case sleepTimerMinutes = "sleep_timer_minutes"
        case quietHoursEnabled = "quiet_hours_enabled"
        case quietHoursStart = "quiet_hours_start"
        case quietHoursEnd = "quiet_hours_end"
        case quietHoursMaxVolume = "quiet_hours_max_volume"
        case feedbackSounds = "feedback_sounds"
        case feedbackVolume = "feedback_volume"
        case toddlerLockMode = "toddler_lock_mode"
        case dailyLimitMinutes = "daily_limit_minutes"
        case boxName = "box_name"
    }
}
