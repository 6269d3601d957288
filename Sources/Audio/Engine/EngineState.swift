import MusicBoxCore

/// What the engine is told to do (Music Player Daemon's player commands). The public
/// ``ALSAPlaybackEngine`` methods are each one command.
enum EngineCommand: Sendable {
    case load(PlaybackItem, atMs: Int64, playing: Bool)
    case prepareNext(PlaybackItem?)
    case resume
    case pause
    case stop
    case seek(toMs: Int64)
    case volume(Int, muted: Bool)
    case cue(FeedbackCue, volume: Int)
    case shutdown
}

/// Where the transport is. Each case carries only what is valid in it.
enum Transport: Sendable, Equatable {
    case stopped
    /// Loaded and held at `atMs` (paused, or the end of the last track: then 0).
    case paused(PlaybackItem, atMs: Int64)
    /// Playing from `fromMs`: the position until its first frame has been heard.
    case playing(PlaybackItem, fromMs: Int64)

    var item: PlaybackItem? {
        switch self {
        case .stopped: nil
        case .paused(let item, _), .playing(let item, _): item
        }
    }

    var isPlaying: Bool {
        if case .playing = self { return true }
        return false
    }
}

/// What the decoder is to decode: from where, for which generation.
struct DecoderJob: Sendable, Equatable {
    var item: PlaybackItem
    var fromMs: Int64
    var generation: UInt64
}

/// What a command asks of the threads besides the state change (the caller does it after
/// leaving the lock).
struct EngineEffects: OptionSet, Sendable {
    let rawValue: Int
    /// Decoded audio of the old generation is not wanted.
    static let flushQueue = EngineEffects(rawValue: 1)
    /// The output worker should look again now (a cue, a volume, a pause while it waits).
    static let wakeOutput = EngineEffects(rawValue: 2)
    /// The threads are to end.
    static let close = EngineEffects(rawValue: 4)
}

/// Everything the engine's threads share, and every transition of it: pure (time passed in),
/// guarded by ``EngineControl``.
struct EngineState {
    private(set) var running = true
    /// Bumped by every load, seek, pause and stop: chunks and jobs of older generations are dropped.
    private(set) var generation: UInt64 = 0
    private(set) var transport = Transport.stopped
    /// The manager's word on what follows `after` (the track current when it said so).
    private(set) var next: (after: TrackID, item: PlaybackItem?)?
    /// For the decoder, until it takes it.
    private(set) var job: DecoderJob?
    /// The track the engine went on into by itself, until the manager loads it.
    private(set) var continuedInto: TrackID?
    private(set) var volume = 50
    private(set) var muted = false
    /// A cue asked for, not yet taken up by the output worker.
    private(set) var requestedCue: (cue: FeedbackCue, volume: Int)?
    var ledger: PositionLedger
    let format: PCMFormat
    /// The device as the output worker last found it.
    var deviceAvailable = false
    var problem: String?
    var statistics: OutputStatistics

    init(format: PCMFormat, device: String, now: ContinuousClock.Instant) {
        self.format = format
        ledger = PositionLedger(sampleRate: format.sampleRate, now: now)
        statistics = OutputStatistics(device: device)
    }

    mutating func apply(_ command: EngineCommand, now: ContinuousClock.Instant) -> EngineEffects {
        switch command {
        case .load(let item, let atMs, let playing):
            // Already gone on into it by itself (gapless): nothing to do.
            if atMs == 0, playing, continuedInto == item.track.id, transport.isPlaying {
                continuedInto = nil
                transport = .playing(item, fromMs: 0)
                return []
            }
            return restart(item, fromMs: atMs, playing: playing)
        case .prepareNext(let item):
            guard let current = transport.item?.track.id else { return [] }
            next = (current, item)
            return []
        case .resume:
            guard case .paused(let item, let atMs) = transport else { return [] }
            return restart(item, fromMs: atMs, playing: true)
        case .pause:
            let held = position(at: now)
            if let item = transport.item { transport = .paused(item, atMs: held) }
            return abandon()
        case .stop:
            transport = .stopped
            return abandon()
        case .seek(let toMs):
            guard let item = transport.item else { return [] }
            return restart(item, fromMs: toMs, playing: transport.isPlaying)
        case .volume(let volume, let muted):
            self.volume = volume
            self.muted = muted
            return .wakeOutput
        case .cue(let cue, let volume):
            guard deviceAvailable else { return [] }
            requestedCue = (cue, volume)
            return .wakeOutput
        case .shutdown:
            running = false
            return .close
        }
    }

    /// Starts `item` from `fromMs` in a new generation: the queue and the device buffer are dropped.
    private mutating func restart(_ item: PlaybackItem, fromMs: Int64, playing: Bool) -> EngineEffects {
        generation += 1
        transport = playing ? .playing(item, fromMs: fromMs) : .paused(item, atMs: fromMs)
        continuedInto = nil
        ledger.reset()
        job = playing ? DecoderJob(item: item, fromMs: fromMs, generation: generation) : nil
        return [.flushQueue, .wakeOutput]
    }

    /// Ends the generation without a new one (pause, stop).
    private mutating func abandon() -> EngineEffects {
        generation += 1
        job = nil
        continuedInto = nil
        return [.flushQueue, .wakeOutput]
    }

    /// Milliseconds into the loaded track heard by `now`.
    func position(at now: ContinuousClock.Instant) -> Int64 {
        switch transport {
        case .stopped: return 0
        case .paused(_, let atMs): return atMs
        case .playing(let item, let fromMs):
            // Only what this generation has made heard counts; before its first frame, where it started.
            guard let frames = ledger.trackFrames(of: item.track.id, generation: generation, at: now) else { return fromMs }
            return format.milliseconds(forFrames: frames)
        }
    }

    // MARK: The decoder's side

    enum DecoderTask: Equatable {
        case decode(DecoderJob)
        case idle
        case exit
    }

    mutating func takeJob() -> DecoderTask {
        guard running else { return .exit }
        guard let job else { return .idle }
        self.job = nil
        return .decode(job)
    }

    enum NextAnswer: Equatable {
        /// The manager has not said yet.
        case unknown
        /// What follows (`nil`: nothing does).
        case known(PlaybackItem?)
        /// The generation ended meanwhile.
        case abandoned
    }

    func next(after track: TrackID, generation: UInt64) -> NextAnswer {
        guard running, generation == self.generation else { return .abandoned }
        guard let next, next.after == track else { return .unknown }
        return .known(next.item)
    }

    func isStale(_ generation: UInt64) -> Bool { !running || generation != self.generation }

    // MARK: The output's side

    mutating func takeCue() -> (cue: FeedbackCue, volume: Int)? {
        defer { requestedCue = nil }
        return requestedCue
    }

    /// The device is gone: a cue asked for meanwhile is dropped.
    mutating func deviceLost(_ problem: String) {
        deviceAvailable = false
        self.problem = problem
        requestedCue = nil
    }

    /// Records what was heard and returns the tracks heard to their end, once each. A track the
    /// decoder continued into becomes the current one; after the last, the transport holds at 0.
    mutating func heard(played: Int64, written: Int64, generation: UInt64, now: ContinuousClock.Instant) -> [TrackID] {
        guard generation == self.generation else { return [] }
        let finished = ledger.measure(played: played, written: written, at: now)
        for segment in finished {
            if let successor = segment.successor {
                continuedInto = successor.track.id
                transport = .playing(successor, fromMs: 0)
            } else if let item = transport.item {
                transport = .paused(item, atMs: 0)
            }
        }
        return finished.map(\.track.id)
    }
}
