import Foundation
import Logging
import MusicBoxCore
import Synchronization

/// Plays through ALSA the way Music Player Daemon does: a decoder thread fills a bounded queue of
/// decoded chunks, an output thread feeds the device; the state manager only sends commands and
/// receives reports.
///
/// - **Gapless**: when a track's last frame is decoded the decoder goes straight on with the track
///   announced by ``prepareNext(_:)``; the output never stops between them.
/// - **Position** is what was heard: frames written minus the device's delay, per track segment.
/// - **End of track** is reported when its last frame has been *played*, once.
/// - **Volume**: software gain on a cubic curve (volume 50 → amplitude × 0.125), so equal steps
///   sound like equal steps; muted is silence.
/// - **Device**: opened by name on the output thread; a device that cannot be opened or fails
///   makes `health` unavailable and is retried every `retryInterval`.
/// - **Feedback sounds** (``play(_:volume:)``) go through the same output: mixed into the music
///   while it plays, written alone while it does not. So they need no second stream (no dmix)
///   and sound the same on every device; a load, pause or seek meanwhile does not cut them off.
public final class ALSAPlaybackEngine: PlaybackEngine {
    public struct Configuration: Sendable {
        public var device = "default"
        public var format = PCMFormat.standard
        /// The ALSA buffer: how much is written ahead of what is heard.
        public var latencyMs = 100
        /// How often the device asks for more (`nil`: a quarter of the buffer).
        public var periodMs: Int?
        /// Pause, stop, seek and skip fade out over this long, and playing from mid-track fades in
        /// (no click where the waveform is cut).
        public var fadeMs = 12
        /// A hardware volume control to use instead of software gain (`nil`: software gain), and
        /// the mixer it is on.
        public var mixerControl: String?
        public var mixerDevice = "default"
        /// How much decoded audio waits between decoder and output.
        public var queueMs = 1000
        public var retryInterval: Duration = .seconds(3)
        public init(device: String = "default") { self.device = device }
    }

    /// Where a track's file is, from its id (the media folder; `nil` when the track is gone).
    public typealias FileResolver = @Sendable (TrackID) -> String?

    private struct State {
        var running = true
        /// Bumped by every load, seek, pause and stop: chunks and jobs of older generations are dropped.
        var generation: UInt64 = 0
        var playing = false
        var current: PlaybackItem?
        /// The manager's word on what follows `after` (the track current when it said so).
        var next: (after: TrackID, item: PlaybackItem?)?
        /// Decoder job: what to decode from where, for which generation.
        var job: (item: PlaybackItem, fromMs: Int64, generation: UInt64)?
        /// Position while nothing is being heard (paused, before the first frame).
        var heldPositionMs: Int64 = 0
        /// Output bookkeeping, written by the output thread.
        var segments: [Segment] = []
        /// Frames heard when last measured, when that was, and frames written by then.
        var playedFrames: Int64 = 0
        var measuredAt = ContinuousClock.now
        var writtenFrames: Int64 = 0
        /// The track the engine went on into by itself, until the manager loads it.
        var continuedInto: TrackID?
        var volume = 50
        var muted = false
        var deviceAvailable = false
        /// The last error of the device while it is unavailable.
        var problem: String?
        var statistics: OutputStatistics
        /// A cue asked for, not yet taken up by the output thread.
        var requestedCue: (cue: FeedbackCue, volume: Int)?
        var report: (@Sendable (PlaybackReport) -> Void)?
    }

    /// A stretch of the output that belongs to one track.
    private struct Segment {
        var track: TrackKey
        /// The output frame counter when its first frame was written.
        var outputStart: Int64
        /// Where in the track that first frame was.
        var trackStartFrame: Int64
        /// The output frame counter after its last frame, once known.
        var outputEnd: Int64?
        /// What the decoder went on with after it.
        var successor: PlaybackItem?
        var reported = false
    }

    public let configuration: Configuration
    private let resolve: FileResolver
    private let logger: Logger
    private let state: Mutex<State>
    private let queue: ChunkQueue
    private let jobSignal = NSCondition()

    public init(configuration: Configuration, resolve: @escaping FileResolver, logger: Logger = Logger(label: "musicboxd.audio")) {
        self.configuration = configuration
        self.resolve = resolve
        self.logger = logger
        state = Mutex(State(statistics: OutputStatistics(device: configuration.device)))
        queue = ChunkQueue(
            capacityFrames: configuration.format.sampleRate * configuration.queueMs / 1000,
            channels: configuration.format.channels
        )
        startThread("musicboxd.audio.decoder") { [self] in decodeLoop() }
        startThread("musicboxd.audio.output") { [self] in outputLoop() }
    }

    /// Ends both threads.
    public func shutdown() {
        state.withLock { $0.running = false }
        queue.close()
        signalJob()
    }

    private func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.qualityOfService = .userInteractive
        thread.start()
    }

    // MARK: PlaybackEngine

    public var health: ComponentHealth { state.withLock { $0.deviceAvailable } ? .available : .unavailable }

    public var problem: String? { state.withLock { $0.deviceAvailable ? nil : $0.problem } }

    public var statistics: OutputStatistics? { state.withLock { $0.statistics } }

    public func setReportHandler(_ handler: @escaping @Sendable (PlaybackReport) -> Void) {
        state.withLock { $0.report = handler }
    }

    public func load(_ item: PlaybackItem, at positionMs: Int64, playing: Bool) {
        let continued = state.withLock { state -> Bool in
            guard positionMs == 0, playing, state.continuedInto == item.track.id else { return false }
            state.continuedInto = nil
            state.current = item
            return true
        }
        if continued { return }
        restart(item: item, fromMs: positionMs, playing: playing)
    }

    public func prepareNext(_ item: PlaybackItem?) {
        state.withLock { state in
            guard let current = state.current?.track.id else { return }
            state.next = (current, item)
        }
    }

    public func resume() {
        let (item, position) = state.withLock { ($0.current, $0.heldPositionMs) }
        guard let item else { return }
        restart(item: item, fromMs: position, playing: true)
    }

    public func pause() {
        let position = position()
        state.withLock { state in
            state.heldPositionMs = position
            state.playing = false
            state.generation += 1
            state.job = nil
            state.continuedInto = nil
        }
        queue.clear()
    }

    public func stop() {
        state.withLock { state in
            state.current = nil
            state.heldPositionMs = 0
            state.playing = false
            state.generation += 1
            state.job = nil
            state.continuedInto = nil
        }
        queue.clear()
    }

    public func seek(to positionMs: Int64) {
        let (item, playing) = state.withLock { ($0.current, $0.playing) }
        guard let item else { return }
        restart(item: item, fromMs: positionMs, playing: playing)
    }

    public func setVolume(_ volume: Int, muted: Bool) {
        state.withLock { state in
            state.volume = volume
            state.muted = muted
        }
    }

    public func play(_ cue: FeedbackCue, volume: Int) {
        state.withLock { state in
            guard state.deviceAvailable else { return }
            state.requestedCue = (cue, volume)
        }
    }

    public func position() -> Int64 {
        state.withLock { state in
            // Between measurements (one per write, up to a chunk apart) the device keeps playing at
            // its rate, up to what was written.
            let elapsed = ContinuousClock.now - state.measuredAt
            let elapsedFrames = Int64(Double(elapsed.components.seconds) * Double(configuration.format.sampleRate)
                + Double(elapsed.components.attoseconds) / 1e18 * Double(configuration.format.sampleRate))
            let played = state.playedFrames > 0 ? min(state.writtenFrames, state.playedFrames + elapsedFrames) : 0
            // Only what this generation has made heard counts; before its first frame, the held position.
            guard state.playing, let segment = state.segments.last(where: {
                $0.track.generation == state.generation && $0.outputStart <= played && $0.track.id == state.current?.track.id
            }) else {
                return state.heldPositionMs
            }
            let frames = segment.trackStartFrame + (played - segment.outputStart)
            return configuration.format.milliseconds(forFrames: frames)
        }
    }

    /// Starts `item` from `fromMs` in a new generation: the queue and the device buffer are dropped.
    private func restart(item: PlaybackItem, fromMs: Int64, playing: Bool) {
        state.withLock { state in
            state.generation += 1
            state.current = item
            state.playing = playing
            state.heldPositionMs = fromMs
            state.continuedInto = nil
            state.segments = []
            state.playedFrames = 0
            state.writtenFrames = 0
            state.job = playing ? (item, fromMs, state.generation) : nil
        }
        queue.clear()
        signalJob()
    }

    private func signalJob() {
        jobSignal.lock()
        jobSignal.broadcast()
        jobSignal.unlock()
    }

    // MARK: Decoder thread

    private enum DecoderTask {
        case decode(PlaybackItem, fromMs: Int64, generation: UInt64)
        case idle
        case exit
    }

    private func takeTask() -> DecoderTask {
        state.withLock { state in
            guard state.running else { return .exit }
            guard let job = state.job else { return .idle }
            state.job = nil
            return .decode(job.item, fromMs: job.fromMs, generation: job.generation)
        }
    }

    private func decodeLoop() {
        while true {
            // Checked and waited under the signal's lock, so a job set meanwhile is never missed.
            jobSignal.lock()
            var task = takeTask()
            while case .idle = task {
                _ = jobSignal.wait(until: Date(timeIntervalSinceNow: 0.5))
                task = takeTask()
            }
            jobSignal.unlock()
            guard case .decode(let item, let fromMs, let generation) = task else { return }
            decode(item, fromMs: fromMs, generation: generation)
        }
    }

    /// What follows `track`, once the manager has said (it does right after loading a track);
    /// `.some(nil)` when nothing follows, `nil` when the generation ended meanwhile.
    private func waitForNext(after track: TrackID, generation: UInt64) -> PlaybackItem?? {
        while true {
            let answer = state.withLock { state -> PlaybackItem??? in
                guard state.generation == generation, state.running else { return .some(nil) }
                guard let next = state.next, next.after == track else { return nil }
                return .some(.some(next.item))
            }
            if let answer { return answer }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    private func isStale(_ generation: UInt64) -> Bool {
        state.withLock { $0.generation != generation || !$0.running }
    }

    /// Decodes `item` and then, gaplessly, whatever was prepared next, until the generation changes.
    private func decode(_ first: PlaybackItem, fromMs: Int64, generation: UInt64) {
        var item = first
        var start = fromMs
        var instance = 0
        let stale = { self.isStale(generation) }
        while !stale() {
            instance += 1
            let key = TrackKey(id: item.track.id, generation: generation, instance: instance)
            do throws(BoxError) {
                guard let path = resolve(item.track.id) else {
                    throw BoxError(.notFound, "The file of track \(item.track.id) is missing.", details: ["track_id": item.track.id.description])
                }
                let decoder = try AudioFileDecoder(path: path, output: configuration.format)
                if start > 0 { try decoder.seek(toMs: start) }
                var frame = configuration.format.frames(forMilliseconds: start)
                while let samples = try decoder.nextChunk() {
                    guard queue.push(.samples(track: key, startFrame: frame, samples: samples), isStale: stale) else { return }
                    frame += Int64(samples.count / configuration.format.channels)
                }
                // Gapless: go on with what the manager says follows, in the same generation.
                guard let successor = waitForNext(after: item.track.id, generation: generation) else { return }
                guard queue.push(.endOfTrack(key, next: successor), isStale: stale) else { return }
                guard let successor else { return }
                item = successor
                start = 0
            } catch {
                logger.warning("cannot play track \(item.track.id): \(error.message)")
                _ = queue.push(.failure(key, error), isStale: stale)
                return
            }
        }
    }

    // MARK: Output thread

    private func outputLoop() {
        var output: ALSAOutput?
        var outputGeneration: UInt64 = .max
        var written: Int64 = 0
        var nextAttempt = ContinuousClock.now
        /// Whether the device failed while in use (its return is reported), and whether opening was tried.
        var lostOutput = false
        var triedOnce = false
        let fadeFrames = Int(configuration.format.frames(forMilliseconds: Int64(configuration.fadeMs)))
        /// During a fade-in: the 1-based frame of the ramp the next sample starts at (0: none).
        var fadeInFrom = 0
        var mixer: ALSAMixer?
        var mixerFailed = false
        var mixerGain = -1.0
        /// The feedback sound playing, its samples by cue (made once each), and when a cue written
        /// alone will have been heard, so the device is stopped cleanly then rather than running dry.
        var voice: CueVoice?
        var chimes: [FeedbackCue: [Int16]] = [:]
        var cueDrainAt: ContinuousClock.Instant?
        /// The device failed: health says why, playback pauses, reopening is retried.
        func lose(_ error: BoxError) {
            logger.error("\(error.message) Reopening every \(configuration.retryInterval).")
            output = nil
            // The control went with the card; it is looked up again when the card returns.
            mixer = nil
            mixerFailed = false
            mixerGain = -1
            voice = nil
            cueDrainAt = nil
            state.withLock { state in
                state.deviceAvailable = false
                state.problem = error.message
                state.requestedCue = nil
            }
            nextAttempt = ContinuousClock.now + configuration.retryInterval
            lostOutput = true
            report(.outputLost(error))
        }
        while state.withLock({ $0.running }) {
            if output == nil {
                guard ContinuousClock.now >= nextAttempt else {
                    Thread.sleep(forTimeInterval: 0.05)
                    continue
                }
                do {
                    let opened = try ALSAOutput(device: configuration.device, format: configuration.format,
                                                latencyMs: configuration.latencyMs, periodMs: configuration.periodMs)
                    output = opened
                    state.withLock { state in
                        state.deviceAvailable = true
                        if lostOutput { state.statistics.reopened += 1 }
                    }
                    let format = configuration.format
                    let milliseconds = { (frames: Int) in format.milliseconds(forFrames: Int64(frames)) }
                    logger.notice("audio device \(configuration.device) open: \(configuration.format), buffer \(milliseconds(opened.bufferFrames)) ms, period \(milliseconds(opened.periodFrames)) ms")
                    if lostOutput {
                        lostOutput = false
                        report(.outputRestored)
                    }
                } catch {
                    if !triedOnce { logger.error("\(error.message) Retrying every \(configuration.retryInterval).") }
                    triedOnce = true
                    state.withLock { state in
                        state.deviceAvailable = false
                        state.problem = error.message
                    }
                    nextAttempt = ContinuousClock.now + configuration.retryInterval
                    continue
                }
            }
            guard let device = output else { continue }
            if mixer == nil, let control = configuration.mixerControl, !mixerFailed {
                do {
                    mixer = try ALSAMixer(device: configuration.mixerDevice, control: control)
                    logger.notice("volume on the mixer control \(control) of \(configuration.mixerDevice)")
                } catch {
                    mixerFailed = true
                    logger.error("\(error.message) Using software volume.")
                }
            }

            // Taken before the generation is read, so a chunk of a load that just happened is not
            // mistaken for a stale one. A cue to write alone, or to drain, does not wait long.
            let cueAlone = voice != nil && !state.withLock { $0.playing }
            let waiting = cueAlone ? 0 : cueDrainAt.map { max(0, min(0.05, Self.seconds($0 - .now))) } ?? 0.05
            let chunk = queue.pop(timeout: waiting)
            let (generation, volumeGain, playing, requested) = state.withLock { state in
                defer { state.requestedCue = nil }
                return (state.generation, Self.gain(volume: state.volume, muted: state.muted), state.playing, state.requestedCue)
            }
            if let requested {
                let samples = chimes[requested.cue] ?? ChimeSynthesizer.samples(of: requested.cue, format: configuration.format)
                chimes[requested.cue] = samples
                voice = CueVoice(samples: samples, gain: Self.gain(volume: requested.volume, muted: false))
                cueDrainAt = nil
            }
            // With a hardware control the samples pass untouched and the control follows the volume.
            var gain = volumeGain
            if let mixer {
                if mixerGain != volumeGain {
                    mixer.set(gain: volumeGain)
                    mixerGain = volumeGain
                }
                gain = 1
            }
            if generation != outputGeneration {
                // A new load, seek, pause or stop: what the device still holds is not wanted. What
                // was being heard fades out rather than breaking off with a click.
                // A cue still to be heard goes on from where the listener is in it.
                if voice != nil { voice?.rewind(frames: device.delayFrames(), channels: configuration.format.channels) }
                cueDrainAt = nil
                if written > 0 { device.fadeOut(frames: fadeFrames) } else { device.drop() }
                written = 0
                fadeInFrom = 0
                outputGeneration = generation
                state.withLock { state in
                    state.segments = []
                    state.playedFrames = 0
                    state.writtenFrames = 0
                }
            }
            switch chunk {
            case .samples(let key, let startFrame, var samples)? where key.generation == generation:
                state.withLock { state in
                    if state.generation == key.generation, state.segments.last?.track != key {
                        state.segments.append(Segment(track: key, outputStart: written, trackStartFrame: startFrame))
                    }
                }
                // Playing from mid-track (resume, seek): the first milliseconds fade in.
                if written == 0, startFrame > 0 { fadeInFrom = 1 }
                if gain != 1 { Self.apply(gain: gain, to: &samples) }
                if fadeInFrom > 0 { fadeInFrom = Self.fadeIn(&samples, from: fadeInFrom, over: fadeFrames, format: configuration.format) }
                if let cue = voice {
                    voice = cue.mixed(into: &samples, gain: Self.cueGain(cue.gain, volumeGain: volumeGain, hardwareVolume: mixer != nil))
                }
                // The first audible frame of a load (tap-to-sound is measured up to here).
                let firstSound = written == 0 && samples.contains { $0 != 0 }
                do {
                    try device.write(samples)
                    if firstSound {
                        var now = timespec()
                        clock_gettime(CLOCK_MONOTONIC, &now)
                        logger.debug("first sound", metadata: ["monotonic_ns": "\(Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec))"])
                    }
                    written += Int64(samples.count / configuration.format.channels)
                    state.withLock { state in
                        state.statistics.underruns = device.underruns
                        state.statistics.suspends = device.suspends
                    }
                } catch {
                    lose(error)
                }
            case .endOfTrack(let key, let successor)? where key.generation == generation:
                // Nothing follows: let the device play out what it holds before the end is reported.
                if successor == nil { device.drain() }
                state.withLock { state in
                    if let index = state.segments.lastIndex(where: { $0.track == key }) {
                        state.segments[index].outputEnd = written
                        state.segments[index].successor = successor
                    }
                }
            case .failure(let key, let error)? where key.generation == generation:
                // The chain of tracks breaks here: what was decoded before still plays, and the
                // track before it is reported finished first, so the manager moves on to the
                // broken one before it hears that it failed.
                device.drain()
                reportPlayedSegments(played: written, written: written, generation: generation)
                report(.failed(key.id, error))
            default:
                // Nothing of the music to play: a cue is written on its own, a period at a time.
                guard !playing, let cue = voice else { break }
                var piece: [Int16] = []
                voice = cue.mixed(into: &piece, gain: Self.cueGain(cue.gain, volumeGain: volumeGain, hardwareVolume: mixer != nil),
                                  appending: max(device.periodFrames, 256) * configuration.format.channels)
                do {
                    try device.write(piece)
                    if voice == nil {
                        let heardIn = configuration.format.milliseconds(forFrames: Int64(device.delayFrames()))
                        cueDrainAt = .now + .milliseconds(max(0, heardIn - 10))
                    }
                } catch {
                    lose(error)
                }
            }
            if output != nil, voice == nil, !playing, let due = cueDrainAt, ContinuousClock.now >= due {
                // The cue has (all but) played out: stop the device before it runs dry, so the
                // next sound starts from a prepared device rather than from an underrun.
                output?.drain()
                cueDrainAt = nil
            }
            let delay = Int64(output?.delayFrames() ?? 0)
            reportPlayedSegments(played: max(0, written - delay), written: written, generation: generation)
        }
    }

    /// Updates what was heard and reports each track whose last frame has been played, once.
    /// A track the decoder continued into becomes the current one.
    private func reportPlayedSegments(played: Int64, written: Int64, generation: UInt64) {
        let finished = state.withLock { state -> [TrackID] in
            guard state.generation == generation else { return [] }
            state.playedFrames = played
            state.writtenFrames = written
            state.measuredAt = .now
            var done: [TrackID] = []
            for index in state.segments.indices where !state.segments[index].reported {
                guard let end = state.segments[index].outputEnd, end <= played else { continue }
                state.segments[index].reported = true
                done.append(state.segments[index].track.id)
                if let successor = state.segments[index].successor {
                    state.continuedInto = successor.track.id
                    state.current = successor
                } else {
                    state.playing = false
                    state.heldPositionMs = 0
                }
            }
            return done
        }
        for track in finished { report(.finished(track)) }
    }

    private func report(_ report: PlaybackReport) {
        state.withLock { $0.report }?(report)
    }

    /// What a cue is scaled by: its own gain, or with a hardware volume control (which turns the
    /// whole output) its gain relative to the music's.
    static func cueGain(_ gain: Double, volumeGain: Double, hardwareVolume: Bool) -> Double {
        guard hardwareVolume else { return gain }
        return volumeGain > 0 ? min(1, gain / volumeGain) : 0
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Cubic: perceived loudness grows roughly with the cube root of amplitude.
    static func gain(volume: Int, muted: Bool) -> Double {
        guard !muted else { return 0 }
        let linear = Double(min(100, max(0, volume))) / 100
        return linear * linear * linear
    }

    /// Ramps `samples` up from frame `from` (1-based) of an `over`-frame fade-in; returns where the
    /// next chunk goes on (0 when the fade is complete).
    static func fadeIn(_ samples: inout [Int16], from: Int, over: Int, format: PCMFormat) -> Int {
        let ramping = min(samples.count / format.channels, over - from + 1)
        guard ramping > 0 else { return 0 }
        var head = Array(samples[0 ..< ramping * format.channels])
        format.scaleFrames(&head) { Int32(65536 * (from + $0) / (over + 1)) }
        samples.replaceSubrange(0 ..< head.count, with: head)
        let next = from + ramping
        return next <= over ? next : 0
    }

    static func apply(gain: Double, to samples: inout [Int16]) {
        let factor = Int32((gain * 65536).rounded())
        for index in samples.indices {
            samples[index] = Int16(clamping: (Int32(samples[index]) * factor) >> 16)
        }
    }
}

/// A feedback sound on its way out: its samples at full level, its gain, how far it has gone.
struct CueVoice {
    let samples: [Int16]
    let gain: Double
    /// The next sample (interleaved index) to go out.
    var cursor = 0

    init(samples: [Int16], gain: Double) {
        self.samples = samples
        self.gain = gain
    }

    /// Adds the next stretch of the cue, scaled by `gain`, to `buffer` (its whole length, or
    /// `appending` more samples after it); `nil` when the cue is over.
    func mixed(into buffer: inout [Int16], gain: Double, appending: Int = 0) -> CueVoice? {
        if appending > 0 { buffer += repeatElement(0, count: min(appending, samples.count - cursor)) }
        let count = min(buffer.count, samples.count - cursor)
        let factor = Int32((gain * 65536).rounded())
        for index in 0 ..< count {
            buffer[index] = Int16(clamping: Int32(buffer[index]) + ((Int32(samples[cursor + index]) * factor) >> 16))
        }
        var next = self
        next.cursor += count
        return next.cursor < samples.count ? next : nil
    }

    /// Steps back over what was written but not heard (the device is about to drop it).
    mutating func rewind(frames: Int, channels: Int) {
        cursor = max(0, cursor - frames * channels)
    }
}
