/// The parents' volume guards for a tap: after the box was silent for a while, a tag starts at
/// the start-up volume again (a box left loud at night is gentle in the morning; one turned down
/// to nothing is heard again), and a tap unmutes. The floor itself (`min_volume`) is the
/// player's (``Player/allowedVolume(_:)``), since every volume change goes through it.
public struct VolumeGuard: Sendable, Equatable {
    public var startupVolume = BoxSettings.startupVolume.defaultValue
    /// Silent this long, a tap starts at ``startupVolume`` (0: only at start-up).
    public var resetAfterIdleMs: Int64 = 0

    public init(startupVolume: Int = BoxSettings.startupVolume.defaultValue, resetAfterIdleMs: Int64 = 0) {
        self.startupVolume = startupVolume
        self.resetAfterIdleMs = resetAfterIdleMs
    }

    /// The parents' current choices; a damaged value reads as the default.
    static func current(_ store: any LibraryReading) -> VolumeGuard {
        VolumeGuard(
            startupVolume: (try? store.setting(BoxSettings.startupVolume)) ?? BoxSettings.startupVolume.defaultValue,
            resetAfterIdleMs: Int64((try? store.setting(BoxSettings.startupVolumeAfterIdleMinutes)) ?? 0) * 60_000
        )
    }

    /// A tap that starts or resumes playback: unmuted, and at the start-up volume when the box
    /// was silent for ``resetAfterIdleMs`` or longer.
    func tapped(_ player: inout Player, now: EpochMillis, on engine: any PlaybackEngine) {
        var changed = player.muted
        player.muted = false
        if resetAfterIdleMs > 0, let since = player.silentSince, now - since >= resetAfterIdleMs {
            let volume = player.allowedVolume(startupVolume)
            changed = changed || volume != player.volume
            player.volume = volume
        }
        if changed { engine.setVolume(player.volume, muted: player.muted) }
    }
}
