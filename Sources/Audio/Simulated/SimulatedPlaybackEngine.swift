import Dispatch
@_spi(Simulation) import MusicBoxCore
import Synchronization

/// A playback engine without sound, paced in real time: the position moves with the monotonic
/// clock while playing, and the end of each track is reported when its duration has elapsed.
/// Used where there is no sound card (`hardware.mode = "sim"`) and in tests, so the web UI and
/// the real-time API behave exactly as on the box.
@_spi(Simulation) public final class SimulatedPlaybackEngine: PlaybackEngine, FeedbackCueRecorder {
    private struct State {
        var item: PlaybackItem?
        var playing = false
        /// Position when `since` was taken.
        var base: Int64 = 0
        var since = ContinuousClock.now
        var volume = 50
        var muted = false
        /// Bumped on every change, so a stale end-of-track timer knows it is stale.
        var generation: UInt64 = 0
        var report: (@Sendable (PlaybackReport) -> Void)?
        var deviceAvailable = true
        var cues: [(FeedbackCue, Int)] = []
    }

    private let state = Mutex(State())
    /// Its own queue for end-of-track timers: never the caller's thread.
    private let queue = DispatchQueue(label: "musicboxd.audio.simulated")
    /// How many times faster than real time tracks run (1 on the box; tests may speed it up).
    private let speed: Double

    public init(speed: Double = 1) {
        self.speed = speed
    }

    public var health: ComponentHealth { state.withLock { $0.deviceAvailable } ? .simulated : .unavailable }

    /// Simulates unplugging (`false`) and plugging back (`true`) the output device, so the health
    /// reports and their pushes can be exercised without hardware.
    public func setDeviceAvailable(_ available: Bool) {
        state.withLock { $0.deviceAvailable = available }
    }

    public func setReportHandler(_ handler: @escaping @Sendable (PlaybackReport) -> Void) {
        state.withLock { $0.report = handler }
    }

    public func load(_ item: PlaybackItem, at positionMs: Int64, playing: Bool) {
        change { state in
            state.item = item
            state.base = positionMs
            state.playing = playing
        }
    }

    public func resume() { change { $0.playing = $0.item != nil } }

    public func pause() { change { $0.playing = false } }

    public func stop() {
        change { state in
            state.item = nil
            state.playing = false
            state.base = 0
        }
    }

    public func seek(to positionMs: Int64) { change { $0.base = positionMs } }

    public func setVolume(_ volume: Int, muted: Bool) {
        state.withLock { state in
            state.volume = volume
            state.muted = muted
        }
    }

    /// Remembers the cue (a simulated box has nothing to hear it through).
    public func play(_ cue: FeedbackCue, volume: Int) {
        state.withLock { state in
            guard state.deviceAvailable else { return }
            state.cues.append((cue, volume))
        }
    }

    /// The cues played so far, with their volumes (for tests and `/api/dev`).
    public var playedCues: [(cue: FeedbackCue, volume: Int)] { state.withLock { $0.cues.map { (cue: $0.0, volume: $0.1) } } }

    public func position() -> Int64 { state.withLock { Self.position(of: $0, speed: speed) } }

    /// The volume and mute the engine was last given (for tests).
    public var output: (volume: Int, muted: Bool) { state.withLock { ($0.volume, $0.muted) } }

    private static func position(of state: State, speed: Double) -> Int64 {
        guard let item = state.item else { return 0 }
        guard state.playing else { return state.base }
        let elapsed = ContinuousClock.now - state.since
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return min(item.track.durationMs, state.base + Int64(ms * speed))
    }

    /// Applies a change at the current position and re-arms the end-of-track timer.
    private func change(_ body: (inout State) -> Void) {
        let (remaining, generation) = state.withLock { state -> (Int64?, UInt64) in
            state.base = Self.position(of: state, speed: speed)
            state.since = .now
            body(&state)
            state.generation += 1
            guard state.playing, let item = state.item else { return (nil, state.generation) }
            return (max(0, item.track.durationMs - state.base), state.generation)
        }
        guard let remaining else { return }
        let delay = DispatchTimeInterval.microseconds(Int(Double(remaining) * 1000 / speed))
        queue.asyncAfter(deadline: .now() + delay) { [weak self] in self?.finish(generation: generation) }
    }

    private func finish(generation: UInt64) {
        let (track, report) = state.withLock { state -> (TrackID?, (@Sendable (PlaybackReport) -> Void)?) in
            guard state.generation == generation, state.playing, let item = state.item else { return (nil, nil) }
            state.base = item.track.durationMs
            state.playing = false
            state.since = .now
            return (item.track.id, state.report)
        }
        if let track, let report { report(.finished(track)) }
    }
}
