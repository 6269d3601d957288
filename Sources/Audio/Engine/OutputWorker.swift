import Foundation
import Logging
import MusicBoxCore

/// The output thread: opens the device, takes decoded chunks from the queue and writes them,
/// applying volume, fades and the feedback cue; measures what was heard for the position ledger.
/// It waits only in the queue (for a chunk, an interrupt, or a deadline it knows: a retry, a cue
/// to drain, the end of a track about to be heard), never in a polling loop.
final class OutputWorker {
    /// The device, as a state machine: each case holds only what is valid in it.
    enum DeviceState {
        /// Not open yet, or opening failed `failures` times; tried (again) at `retryAt`.
        case closed(retryAt: ContinuousClock.Instant, failures: Int)
        case open(OpenDevice)
        /// Failed while in use; reopened at `retryAt`, and its return reported then.
        case lost(retryAt: ContinuousClock.Instant)
    }

    /// An open device and its volume control.
    final class OpenDevice {
        let sink: any PCMSink
        /// The hardware volume control, when one is configured and found (else software gain).
        let mixer: ALSAMixer?
        var mixerGain = -1.0

        init(sink: any PCMSink, mixer: ALSAMixer?) {
            self.sink = sink
            self.mixer = mixer
        }

        /// The gain to apply to the samples: with a hardware control they pass untouched and the
        /// control follows the volume.
        func samplesGain(for volumeGain: Double) -> Double {
            guard let mixer else { return volumeGain }
            if mixerGain != volumeGain {
                mixer.set(gain: volumeGain)
                mixerGain = volumeGain
            }
            return 1
        }
    }

    typealias SinkOpener = @Sendable () throws(BoxError) -> any PCMSink

    private let control: EngineControl
    private let configuration: ALSAPlaybackEngine.Configuration
    private let openSink: SinkOpener
    private let logger: Logger
    private var device: DeviceState = .closed(retryAt: .now, failures: 0)
    private var cues: CueMixer
    /// The generation being written, and output frames written in it.
    private var generation: UInt64 = .max
    private var written: Int64 = 0
    /// During a fade-in: the 1-based frame of the ramp the next sample starts at (0: none).
    private var fadeInFrom = 0
    /// This generation has written an audible frame (a decoder's first frames may be silence:
    /// an MP3's priming, a stream joined between songs).
    private var heardSinceBegin = false
    private var format: PCMFormat { configuration.format }
    private var fadeFrames: Int { Int(format.frames(forMilliseconds: Int64(configuration.fadeMs))) }

    init(control: EngineControl, configuration: ALSAPlaybackEngine.Configuration, openSink: @escaping SinkOpener, logger: Logger) {
        self.control = control
        self.configuration = configuration
        self.openSink = openSink
        self.logger = logger
        cues = CueMixer(format: configuration.format)
    }

    func run() {
        while control.read(\.running) {
            if case .open(let open) = device {
                step(open)
            } else {
                openOrWait()
            }
        }
    }

    // MARK: The device's life

    private func openOrWait() {
        let (retryAt, failures, wasLost): (ContinuousClock.Instant, Int, Bool)
        switch device {
        case .open: return
        case .closed(let at, let count): (retryAt, failures, wasLost) = (at, count, false)
        case .lost(let at): (retryAt, failures, wasLost) = (at, 1, true)
        }
        guard ContinuousClock.now >= retryAt else {
            control.queue.pause(until: retryAt)
            return
        }
        do {
            let sink = try openSink()
            let opened = OpenDevice(sink: sink, mixer: openMixer())
            control.change(wakingDecoder: false) { state in
                state.deviceAvailable = true
                if wasLost { state.statistics.reopened += 1 }
            }
            let milliseconds = { (frames: Int) in self.format.milliseconds(forFrames: Int64(frames)) }
            logger.notice("audio device \(configuration.device) open: \(format), buffer \(milliseconds(sink.bufferFrames)) ms, period \(milliseconds(sink.periodFrames)) ms")
            device = .open(opened)
            if wasLost { control.send(.outputRestored) }
        } catch {
            if failures == 0 { logger.error("\(error.message) Retrying every \(configuration.retryInterval).") }
            control.change(wakingDecoder: false) { state in
                state.deviceAvailable = false
                state.problem = error.message
            }
            let next = ContinuousClock.now + configuration.retryInterval
            device = wasLost ? .lost(retryAt: next) : .closed(retryAt: next, failures: failures + 1)
        }
    }

    private func openMixer() -> ALSAMixer? {
        guard let control = configuration.mixerControl else { return nil }
        do {
            let mixer = try ALSAMixer(device: configuration.mixerDevice, control: control)
            logger.notice("volume on the mixer control \(control) of \(configuration.mixerDevice)")
            return mixer
        } catch {
            logger.error("\(error.message) Using software volume.")
            return nil
        }
    }

    /// The device failed: health says why, the manager hears of it (and pauses), reopening is retried.
    private func lose(_ error: BoxError) {
        logger.error("\(error.message) Reopening every \(configuration.retryInterval).")
        device = .lost(retryAt: .now + configuration.retryInterval)
        cues.reset()
        control.change(wakingDecoder: false) { $0.deviceLost(error.message) }
        control.send(.outputLost(error))
    }

    // MARK: One turn of the loop

    private func step(_ open: OpenDevice) {
        let sink = open.sink
        // Taken before the generation is read, so a chunk of a load that just happened is not
        // mistaken for a stale one.
        let chunk = control.queue.pop(until: waitDeadline())
        let (current, volumeGain, playing, requested) = control.change(wakingDecoder: false) { state in
            (state.generation, SoftwareGain.gain(volume: state.volume, muted: state.muted), state.transport.isPlaying, state.takeCue())
        }
        if let requested { cues.start(requested.cue, gain: SoftwareGain.gain(volume: requested.volume, muted: false)) }
        let gain = open.samplesGain(for: volumeGain)
        let cueGain = { SoftwareGain.cueGain($0, volumeGain: volumeGain, hardwareVolume: open.mixer != nil) }
        if current != generation { begin(current, on: sink) }
        switch chunk {
        case .samples(let key, let startFrame, var samples)? where key.generation == current:
            control.change(wakingDecoder: false) { state in
                if state.generation == key.generation { state.ledger.begin(key, outputStart: written, trackStartFrame: startFrame) }
            }
            // Playing from mid-track (resume, seek): the first milliseconds fade in.
            if written == 0, startFrame > 0 { fadeInFrom = 1 }
            if gain != 1 { SoftwareGain.apply(gain: gain, to: &samples) }
            if fadeInFrom > 0 { fadeInFrom = SoftwareGain.fadeIn(&samples, from: fadeInFrom, over: fadeFrames, format: format) }
            cues.mix(into: &samples, gain: cueGain)
            write(samples, to: sink)
        case .endOfTrack(let key, let successor)? where key.generation == current:
            // Nothing follows: let the device play out what it holds before the end is reported.
            if successor == nil { sink.drain() }
            control.change(wakingDecoder: false) { $0.ledger.end(key, outputEnd: written, successor: successor) }
        case .streamTitle(let key, let title)? where key.generation == current:
            // Reached with the audio it comes before: heard now, give or take the device's buffer.
            control.send(.streamTitle(key.id, title))
        case .failure(let key, let error)? where key.generation == current:
            // The chain of tracks breaks here: what was decoded before still plays, and the
            // track before it is reported finished first, so the manager moves on to the
            // broken one before it hears that it failed.
            sink.drain()
            measure(played: written, generation: current)
            control.send(.failed(key.id, error))
        default:
            // Nothing of the music to play: a cue is written on its own, a period at a time.
            guard !playing, cues.isSounding else { break }
            do {
                try sink.write(cues.alone(frames: max(sink.periodFrames, 256), gain: cueGain))
                cues.written(delayFrames: sink.delayFrames(), now: .now)
            } catch {
                lose(error)
            }
        }
        guard case .open = device else { return }
        if !cues.isSounding, !playing, let due = cues.drainAt, ContinuousClock.now >= due {
            // The cue has (all but) played out: stop the device before it runs dry, so the
            // next sound starts from a prepared device rather than from an underrun.
            sink.drain()
            cues.drained()
        }
        measure(played: max(0, written - Int64(sink.delayFrames())), generation: current)
    }

    /// A new load, seek, pause or stop: what the device still holds is not wanted. What was being
    /// heard fades out rather than breaking off with a click; a cue still to be heard goes on from
    /// where the listener is in it.
    private func begin(_ next: UInt64, on sink: any PCMSink) {
        if cues.isSounding { cues.deviceDropping(delayFrames: sink.delayFrames()) }
        if written > 0 { sink.fadeOut(frames: fadeFrames) } else { sink.drop() }
        written = 0
        fadeInFrom = 0
        heardSinceBegin = false
        generation = next
        control.change(wakingDecoder: false) { $0.ledger.reset() }
    }

    private func write(_ samples: [Int16], to sink: any PCMSink) {
        // The first audible frame of a load (tap-to-sound is measured up to here).
        let firstSound = !heardSinceBegin && samples.contains { $0 != 0 }
        do {
            try sink.write(samples)
        } catch {
            lose(error)
            return
        }
        if firstSound {
            heardSinceBegin = true
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            logger.debug("first sound", metadata: ["monotonic_ns": "\(Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec))"])
        }
        written += Int64(samples.count / format.channels)
        control.change(wakingDecoder: false) { state in
            state.statistics.underruns = sink.underruns
            state.statistics.suspends = sink.suspends
        }
    }

    /// Records what was heard and reports each track heard to its end.
    private func measure(played: Int64, generation: UInt64) {
        let finished = control.change(wakingDecoder: false) { state in
            state.heard(played: played, written: written, generation: generation, now: .now)
        }
        for track in finished { control.send(.finished(track)) }
    }

    /// How long the queue may keep the output waiting: not at all while a cue is written alone;
    /// until a cue has drained; until the next known end of a track will have been heard (so it is
    /// reported then, not at the next chunk); otherwise until something comes.
    private func waitDeadline() -> ContinuousClock.Instant? {
        let (playing, untilEnd) = control.read { state in
            (state.transport.isPlaying, state.ledger.framesUntilNextEnd)
        }
        if cues.isSounding, !playing { return .now }
        var deadline = cues.drainAt
        if let untilEnd {
            // At least a few milliseconds: a device whose delay does not move is not spun on.
            let end = ContinuousClock.now + .milliseconds(max(5, format.milliseconds(forFrames: untilEnd)))
            deadline = min(deadline ?? end, end)
        }
        return deadline
    }
}
