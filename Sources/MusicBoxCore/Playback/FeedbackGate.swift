/// Whether a feedback cue sounds, and how loud: the box's switch (`audio.feedback_sounds`), the
/// parents' settings, the player (muted, quiet hours, the cap), and no repeat of the same cue
/// within ``FeedbackSounds/repeatGap``, so a playlist of broken files is one error sound, not
/// one per file. A plain value with the time passed in; the state manager keeps one.
struct FeedbackGate {
    /// Whether the box plays feedback sounds at all; when it does, the parents' setting decides.
    let boxAllows: Bool
    var sounds: FeedbackSounds
    private var last: (cue: FeedbackCue, at: ContinuousClock.Instant)?

    init(boxAllows: Bool, sounds: FeedbackSounds) {
        self.boxAllows = boxAllows
        self.sounds = sounds
    }

    /// The volume `cue` plays at now, or `nil` to stay silent. A cue that sounds is remembered.
    /// `evenIfJustPlayed`: a parent trying the sound, or the goodbye, which must never be skipped.
    mutating func admit(_ cue: FeedbackCue, player: Player, at now: ContinuousClock.Instant, evenIfJustPlayed: Bool = false) -> Int? {
        guard boxAllows, let volume = sounds.volume(for: player) else { return nil }
        if !evenIfJustPlayed, let last, last.cue == cue, now - last.at < FeedbackSounds.repeatGap { return nil }
        last = (cue, now)
        return volume
    }
}
