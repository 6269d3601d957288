import Dispatch
@_spi(Simulation) import MusicBoxCore
import Synchronization

/// A playback engine without sound, paced in real time: the position moves with the monotonic
/// clock while playing, and the end of each track is reported when its duration has elapsed.
/// Used where there is no sound card (`hardware.mode = "sim"`) and in tests, so the web UI and
/// the real-time API behave exactly as on the box. Gapless like the ALSA engine: at the end of a
/// track it goes on into the one ``prepareNext(_:)`` announced, and the state manager's `load` of
/// that track at 0 then changes nothing.
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
        /// What follows which track (``prepareNext(_:)``).
        var next: (after: TrackID, item: PlaybackItem?)?
        /// The track it went on into by itself, until the manager's `load` of it arrives.
        var continuedInto: TrackID?
        /// The tracks it was told to load and did (re)start, the last 64 (for tests: a gapless
        /// handover is none; bounded, since a simulated box may run for weeks).
        var loads: [TrackID] = []
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

    /// Pending end-of-track timers become stale and nothing is reported any more.
    public func shutdown() {
        state.withLock { state in
            state.playing = false
            state.generation += 1
            state.report = nil
        }
    }

    public func load(_ item: PlaybackItem, at positionMs: Int64, playing: Bool) {
        let continued = state.withLock { state -> Bool in
            defer { state.continuedInto = nil }
            return positionMs == 0 && playing && state.continuedInto == item.track.id && state.item == item
        }
        if continued { return }
        change { state in
            state.item = item
            state.base = positionMs
            state.playing = playing
            state.loads.append(item.track.id)
            if state.loads.count > 64 { state.loads.removeFirst() }
        }
    }

    public func prepareNext(_ item: PlaybackItem?) {
        state.withLock { state in
            guard let current = state.item?.track.id else { return }
            state.next = (current, item)
        }
    }

    /// Plays the rest of the current track at once, as if its end had come (tests drive track
    /// ends with this instead of waiting for the clock).
    public func endCurrentTrack() {
        let generation = state.withLock { $0.generation }
        finish(generation: generation)
    }

    /// What the manager said follows the current track (`nil`: nothing, or not told yet).
    public var preparedNext: TrackID? {
        state.withLock { state in state.next.flatMap { $0.after == state.item?.track.id ? $0.item?.track.id : nil } }
    }

    /// Sends a report as a real engine would from its thread (tests: a stream's title).
    public func report(_ report: PlaybackReport) {
        let handler = state.withLock { $0.report }
        handler?(report)
    }

    /// The tracks loaded (started afresh) lately, in order.
    public var loadedTracks: [TrackID] { state.withLock { $0.loads } }

    public func resume() { change { $0.playing = $0.item != nil } }

    public func pause() { change { $0.playing = false } }

    public func stop() {
        change { state in
            state.next = nil
            state.continuedInto = nil
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
        let heard = state.base + Int64(ms * speed)
        // A live stream has no end: its position is the time listened.
        return item.track.source.isLive ? heard : min(item.track.durationMs, heard)
    }

    /// Applies a change at the current position and re-arms the end-of-track timer.
    private func change(_ body: (inout State) -> Void) {
        let (remaining, generation) = state.withLock { state -> (Int64?, UInt64) in
            state.base = Self.position(of: state, speed: speed)
            state.since = .now
            body(&state)
            state.generation += 1
            guard state.playing, let item = state.item, !item.track.source.isLive else { return (nil, state.generation) }
            return (max(0, item.track.durationMs - state.base), state.generation)
        }
        arm(remaining, generation: generation)
    }

    private func arm(_ remaining: Int64?, generation: UInt64) {
        guard let remaining else { return }
        let delay = DispatchTimeInterval.microseconds(Int(Double(remaining) * 1000 / speed))
        queue.asyncAfter(deadline: .now() + delay) { [weak self] in self?.finish(generation: generation) }
    }

    /// The end of a track: on into the prepared one without a pause, or stop there.
    private func finish(generation: UInt64) {
        let (track, report, rearm) = state.withLock { state -> (TrackID?, (@Sendable (PlaybackReport) -> Void)?, (Int64, UInt64)?) in
            guard state.generation == generation, state.playing, let item = state.item else { return (nil, nil, nil) }
            state.since = .now
            if let next = state.next, next.after == item.track.id, let following = next.item {
                state.item = following
                state.base = 0
                state.next = nil
                state.continuedInto = following.track.id
                state.generation += 1
                return (item.track.id, state.report, (following.track.durationMs, state.generation))
            }
            state.base = item.track.durationMs
            state.playing = false
            return (item.track.id, state.report, nil)
        }
        if let rearm, !(state.withLock { $0.item?.track.source.isLive ?? false }) { arm(rearm.0, generation: rearm.1) }
        if let track, let report { report(.finished(track)) }
    }
}
