import Foundation

/// Quiet hours: a daily window (in the box's local time, may cross midnight) with a lower volume
/// cap, or with no playback at all when that cap is 0. While it lasts, `state:player`'s
/// `max_volume` is the lower cap and `quiet_hours_active` is true.
public struct QuietHours: Sendable, Equatable {
    public var enabled: Bool
    /// Minutes after midnight.
    public var start: Int
    public var end: Int
    public var maxVolume: Int

    public init(enabled: Bool, start: Int, end: Int, maxVolume: Int) {
        self.enabled = enabled
        self.start = start
        self.end = end
        self.maxVolume = maxVolume
    }

    /// Whether `date` falls in the window, read on `calendar` (the box's time zone).
    public func isActive(at date: Date, calendar: Calendar = .current) -> Bool {
        guard enabled, start != end else { return false }
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return start < end ? (start..<end).contains(minute) : (minute >= start || minute < end)
    }

    /// "19:30" → 1170; nil for anything else.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    public static func text(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }

    static func load(_ store: any LibraryReading) -> QuietHours {
        let enabled = (try? store.setting(BoxSettings.quietHoursEnabled)) ?? false
        let start = (try? store.setting(BoxSettings.quietHoursStart)).flatMap(minutes) ?? minutes(BoxSettings.quietHoursStart.defaultValue)!
        let end = (try? store.setting(BoxSettings.quietHoursEnd)).flatMap(minutes) ?? minutes(BoxSettings.quietHoursEnd.defaultValue)!
        let cap = (try? store.setting(BoxSettings.quietHoursMaxVolume)) ?? BoxSettings.quietHoursMaxVolume.defaultValue
        return QuietHours(enabled: enabled, start: start, end: end, maxVolume: cap)
    }
}

/// The volume quiet hours turned down, given back when they end: a box left at 60 at bedtime and
/// lowered to a quiet cap (or to 0) plays at 60 again in the morning, not silently. Whoever
/// changes the volume meanwhile wins: it is given back only if it is still what quiet hours set.
public struct QuietVolume: Sendable, Equatable {
    /// The volume before quiet hours lowered it.
    public var before: Int
    /// What quiet hours lowered it to.
    public var loweredTo: Int

    public init(before: Int, loweredTo: Int) {
        self.before = before
        self.loweredTo = loweredTo
    }
}

/// The quiet-hours window began or ended (the state manager checks the clock): the volume cap
/// follows, a louder volume is turned down (and remembered, ``QuietVolume``), and with a cap of
/// 0 playback pauses. When the window ends the volume it lowered comes back.
struct ApplyQuietHours: PlayerCommand {
    var cap: Int?

    func run(in context: inout CommandContext) throws -> PlayerState {
        let lowered = context.player.quietVolume
        context.player.quietCap = cap
        let limit = context.player.maxVolume
        if cap != nil {
            if context.player.volume > limit {
                // A lower cap while the window lasts keeps the volume from before it began.
                context.player.quietVolume = QuietVolume(before: lowered?.before ?? context.player.volume, loweredTo: limit)
                context.player.volume = limit
                context.engine.setVolume(limit, muted: context.player.muted)
            }
            if cap == 0, context.player.status == .playing { context.player.pause(on: context.engine) }
        } else if let lowered {
            context.player.quietVolume = nil
            if context.player.volume == lowered.loweredTo {
                context.player.volume = context.player.allowedVolume(lowered.before)
                context.engine.setVolume(context.player.volume, muted: context.player.muted)
            }
        }
        return context.playerState
    }
}

/// Commands that start sound: refused while quiet hours allow no playback (a cap of 0).
protocol StartsPlayback {}
extension Play: StartsPlayback {}
extension PlayPlaylist: StartsPlayback {}
extension TogglePlayback: StartsPlayback {}
extension PlaceTag: StartsPlayback {}
