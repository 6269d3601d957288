/// The sleep timer: stop after a while, at the end of the track, or at the end of the playlist,
/// fading out over the last seconds so a sleeping child is not woken by a sudden stop.
public enum SleepTimer: Sendable, Equatable {
    case at(EpochMillis)
    case endOfTrack
    case endOfPlaylist

    /// How long the fade-out lasts (all of it when the timer is shorter).
    public static let fadeMs: Int64 = 10_000
    /// The longest timer: a night.
    public static let maximumMinutes = 12 * 60

    public var mode: String {
        switch self {
        case .at: "minutes"
        case .endOfTrack: "end_of_track"
        case .endOfPlaylist: "end_of_playlist"
        }
    }

    public var endsAt: EpochMillis? {
        if case .at(let time) = self { return time }
        return nil
    }

    /// Milliseconds until playback stops, or nil when that is not in sight (more tracks to come).
    func remaining(now: EpochMillis, player: Player, positionMs: Int64) -> Int64? {
        switch self {
        case .at(let time): return time - now
        case .endOfTrack: return player.current.map { max(0, $0.durationMs - positionMs) }
        case .endOfPlaylist:
            guard let current = player.current, player.index + 1 >= player.order.count || player.repeatMode == .one else { return nil }
            return max(0, current.durationMs - positionMs)
        }
    }

    /// The volume to play at with `remaining` ms left: full until the fade starts, then down
    /// linearly to 0.
    static func fadedVolume(_ volume: Int, remaining: Int64?) -> Int {
        guard let remaining, remaining < fadeMs else { return volume }
        return Int((Double(volume) * Double(max(0, remaining)) / Double(fadeMs)).rounded(.down))
    }
}

/// Sets or clears the sleep timer: `{mode: "minutes", minutes}`, `end_of_track`,
/// `end_of_playlist` or `off`.
public struct SetSleepTimer: PlayerCommand {
    public var mode: String
    public var minutes: Int?

    public init(mode: String, minutes: Int? = nil) {
        self.mode = mode
        self.minutes = minutes
    }

    public func run(in context: inout CommandContext) throws -> PlayerState {
        switch mode {
        case "off":
            context.player.sleepTimer = nil
        case "minutes":
            let minutes = try minutes ?? context.store.setting(BoxSettings.sleepTimerMinutes)
            guard (1...SleepTimer.maximumMinutes).contains(minutes) else {
                throw BoxError.validation(field: "minutes", "minutes must be from 1 to \(SleepTimer.maximumMinutes).")
            }
            context.player.sleepTimer = .at(context.now + Int64(minutes) * 60_000)
        case "end_of_track":
            context.player.sleepTimer = .endOfTrack
        case "end_of_playlist":
            context.player.sleepTimer = .endOfPlaylist
        default:
            throw BoxError.validation(field: "mode", "mode must be \"minutes\", \"end_of_track\", \"end_of_playlist\" or \"off\".")
        }
        return context.playerState
    }
}

/// The timer ran out: pause (so the next "play" continues where the child fell asleep).
struct SleepTimerExpired: PlayerCommand {
    func run(in context: inout CommandContext) throws -> PlayerState {
        guard case .at = context.player.sleepTimer else { return context.playerState }
        context.player.sleepTimer = nil
        context.player.pause(on: context.engine)
        return context.playerState
    }
}
