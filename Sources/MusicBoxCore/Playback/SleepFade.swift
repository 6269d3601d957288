/// The sleep timer as the state manager ticks it, four times a second while one is set: turn the
/// engine down over the last ``SleepTimer/fadeMs`` and say when a `minutes` timer runs out. (The
/// track-end modes stop in ``TrackFinished``, where the engine reports the end.) A plain value
/// with the time passed in: it remembers only the volume it last gave the engine.
struct SleepFade: Equatable {
    /// What one tick asks of the manager.
    enum Step: Equatable {
        /// Nothing to change.
        case none
        /// Give the engine this volume (fading, or back to the player's after a fade).
        case setVolume(Int)
        /// A `minutes` timer ran out: pause.
        case expire
    }

    /// The volume last given to the engine while fading (`nil`: not fading).
    private(set) var fadedVolume: Int?

    /// One tick: `positionMs` is the engine's position while playing.
    mutating func tick(_ timer: SleepTimer, player: Player, positionMs: Int64, now: EpochMillis) -> Step {
        let remaining = timer.remaining(now: now, player: player, positionMs: positionMs)
        if case .at = timer, let remaining, remaining <= 0 { return .expire }
        let faded = SleepTimer.fadedVolume(player.volume, remaining: player.status == .playing ? remaining : nil)
        guard faded < player.volume else { return end(player: player) }
        defer { fadedVolume = faded }
        return faded == fadedVolume ? .none : .setVolume(faded)
    }

    /// The timer is gone (off, expired, or no longer fading): the player's own volume again.
    mutating func end(player: Player) -> Step {
        guard fadedVolume != nil else { return .none }
        fadedVolume = nil
        return .setVolume(player.volume)
    }
}
