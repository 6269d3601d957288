/// A short sound that tells a child or a parent what the box just did, since the box has no
/// screen. Each has its own few notes, so they are told apart by ear (and by tests, by pitch).
public enum FeedbackCue: String, Sendable, Equatable, CaseIterable, Codable {
    /// The box is up: audio, reader and library all work (once per start).
    case ready
    /// A tag was linked to a playlist in a linking session.
    case tagLinked = "tag_linked"
    /// A tag the box does not know was tapped.
    case unknownTag = "unknown_tag"
    /// Something a child asked for cannot happen: an empty playlist, a broken track, a failed link.
    case error
    /// The box is about to switch off (shutdown button).
    case goodbye
}

/// The parents' choice of feedback sounds (`/api/settings`), kept by the state manager.
public struct FeedbackSounds: Sendable, Equatable {
    public var enabled: Bool
    /// 0–100 on the player's volume curve; the cue plays at this or at the volume cap, whichever is lower.
    public var volume: Int

    /// How soon the same cue may sound again.
    public static let repeatGap: Duration = .seconds(2)
    /// How long to let the goodbye sound play before the power goes (its notes, the output's buffer).
    public static let goodbyeLength: Duration = .milliseconds(1100)

    public init(enabled: Bool = true, volume: Int = 30) {
        self.enabled = enabled
        self.volume = volume
    }

    static func load(_ store: any LibraryReading) -> FeedbackSounds {
        FeedbackSounds(
            enabled: (try? store.setting(BoxSettings.feedbackSounds)) ?? BoxSettings.feedbackSounds.defaultValue,
            volume: (try? store.setting(BoxSettings.feedbackVolume)) ?? BoxSettings.feedbackVolume.defaultValue
        )
    }

    /// The volume a cue plays at for this player, or `nil` when it stays silent: sounds off, the
    /// box muted or turned all the way down, quiet hours without playback, or a cap of 0.
    public func volume(for player: Player) -> Int? {
        guard enabled, !player.muted, player.volume > 0, player.quietCap != 0 else { return nil }
        let level = min(volume, player.maxVolume)
        return level > 0 ? level : nil
    }
}

/// An engine that keeps the cues it was asked to play (the simulated one), so `/api/dev/sounds`
/// and tests can see them.
@_spi(Simulation) public protocol FeedbackCueRecorder: Sendable {
    var playedCues: [(cue: FeedbackCue, volume: Int)] { get }
}
