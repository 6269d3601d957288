/// What the engine is asked to play: one track of the library.
public struct PlaybackItem: Sendable, Equatable {
    public var track: Track

    public init(track: Track) { self.track = track }
}

/// What an engine reports back to the state manager, from its own thread.
public enum PlaybackReport: Sendable, Equatable {
    /// The last frame of the track has been played.
    case finished(TrackID)
    /// The track cannot be played (unreadable, undecodable).
    case failed(TrackID, BoxError)
    /// The output device went away (a USB DAC unplugged); the engine keeps trying to reopen it.
    case outputLost(BoxError)
    /// The output device is back.
    case outputRestored
    /// A live stream says what it plays now (its ICY `StreamTitle`; `nil`: it stopped saying).
    case streamTitle(TrackID, String?)
    /// A live stream dropped and is being reconnected (`false`), or its audio flows again (`true`).
    case streamConnected(TrackID, Bool)
}

/// The seam between the state manager and whatever makes sound: ALSA on the box, a paced
/// simulation elsewhere. The manager decides *what* plays; the engine only does it.
///
/// Every method returns at once: the engine works on its own threads, never on the caller's
/// (the state manager's executor). `position()` is read every 200 ms by the position ticker and
/// must be cheap and thread-safe.
public protocol PlaybackEngine: AnyObject, Sendable {
    /// Replaces whatever is loaded with `item`, starting at `positionMs`, playing or held paused.
    /// When the engine already went on into `item` by itself (gapless, see ``prepareNext(_:)``),
    /// loading it at 0 changes nothing.
    func load(_ item: PlaybackItem, at positionMs: Int64, playing: Bool)
    /// The track that follows the current one, so the engine can open and decode it ahead and
    /// play it without a gap. `nil`: playback ends after the current track.
    func prepareNext(_ item: PlaybackItem?)
    func resume()
    func pause()
    /// Stops and unloads.
    func stop()
    func seek(to positionMs: Int64)
    /// Volume 0–100 as the listener hears it (the engine applies its curve).
    func setVolume(_ volume: Int, muted: Bool)
    /// Plays a feedback sound over whatever plays, or alone, at `volume` (0–100 on the same curve
    /// as the music; the state manager has already capped it). A newer cue replaces one still
    /// sounding; a cue while the output is unavailable is dropped, not kept for later.
    func play(_ cue: FeedbackCue, volume: Int)
    /// Milliseconds into the loaded track that have been heard (0 when nothing is loaded).
    func position() -> Int64
    /// Ends the engine's threads and timers and closes its device; nothing is reported after it.
    /// Called once, when the daemon stops.
    func shutdown()
    /// Where reports go. Set once, before the first `load`.
    func setReportHandler(_ handler: @escaping @Sendable (PlaybackReport) -> Void)
    /// How the engine's output is doing, for health reports.
    var health: ComponentHealth { get }
    /// Counters of the output for health reports (`nil`: the engine keeps none).
    var statistics: OutputStatistics? { get }
    /// Why the output is unavailable, for health reports (the device's error).
    var problem: String? { get }
}

extension PlaybackEngine {
    /// Engines without gapless playback ignore the hint.
    public func prepareNext(_ item: PlaybackItem?) {}
    public var statistics: OutputStatistics? { nil }
    public var problem: String? { nil }
}

/// What the audio output has been through since the daemon started, shown in health: a box that
/// stutters says so here (underruns), and a hobbyist sees which device and period it settled on.
public struct OutputStatistics: Sendable, Equatable, Encodable {
    /// The ALSA device name.
    public var device: String
    /// Underruns (the device ran dry: a stutter) and suspends recovered from.
    public var underruns: Int
    public var suspends: Int
    /// Times the device was lost (unplugged, failing) and reopened.
    public var reopened: Int

    public init(device: String, underruns: Int = 0, suspends: Int = 0, reopened: Int = 0) {
        self.device = device
        self.underruns = underruns
        self.suspends = suspends
        self.reopened = reopened
    }
}

/// The state of one part of the box for `health_status` (CONTRACT §4).
public enum ComponentHealth: String, Sendable, Equatable, Codable {
    /// Real hardware, working.
    case available
    /// Software stand-in on a machine without the hardware (`hardware.mode = "sim"`).
    case simulated
    /// Configured but not working now (device missing, unplugged, failing).
    case unavailable
    /// The database answers.
    case connected

    public var isWorking: Bool { self != .unavailable }
}
