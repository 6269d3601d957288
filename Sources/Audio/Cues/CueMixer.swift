import MusicBoxCore

/// The feedback sound on its way out through the music's output: mixed into the music while it
/// plays, written alone while it does not (so no second stream, no dmix). Pure: the output worker
/// owns it and tells it what happens.
struct CueMixer {
    let format: PCMFormat
    /// The cue sounding, if any.
    private(set) var voice: CueVoice?
    /// Each cue's samples at full level, made once.
    private var chimes: [FeedbackCue: [Int16]] = [:]
    /// When a cue written alone will have been heard, so the device is stopped cleanly then rather
    /// than running dry.
    private(set) var drainAt: ContinuousClock.Instant?

    init(format: PCMFormat) { self.format = format }

    var isSounding: Bool { voice != nil }

    /// A newer cue replaces one still sounding.
    mutating func start(_ cue: FeedbackCue, gain: Double) {
        let samples = chimes[cue] ?? ChimeSynthesizer.samples(of: cue, format: format)
        chimes[cue] = samples
        voice = CueVoice(samples: samples, gain: gain)
        drainAt = nil
    }

    /// Adds the cue to music about to be written, scaled by `gain(cueGain)`.
    mutating func mix(into samples: inout [Int16], gain: (Double) -> Double) {
        guard let cue = voice else { return }
        voice = cue.mixed(into: &samples, gain: gain(cue.gain))
    }

    /// The next `frames` of the cue on its own (then ``written(delayFrames:now:)``).
    mutating func alone(frames: Int, gain: (Double) -> Double) -> [Int16] {
        guard let cue = voice else { return [] }
        var piece: [Int16] = []
        voice = cue.mixed(into: &piece, gain: gain(cue.gain), appending: frames * format.channels)
        return piece
    }

    /// The last piece was written: when the device will have played it (`delayFrames` now).
    mutating func written(delayFrames: Int, now: ContinuousClock.Instant) {
        guard voice == nil else { return }
        let heardIn = format.milliseconds(forFrames: Int64(delayFrames))
        drainAt = now + .milliseconds(max(0, heardIn - 10))
    }

    /// The device is about to drop what it holds: the cue goes on from where the listener is.
    mutating func deviceDropping(delayFrames: Int) {
        let channels = format.channels
        voice?.rewind(frames: delayFrames, channels: channels)
        drainAt = nil
    }

    mutating func drained() { drainAt = nil }

    /// The device went away: the cue is not kept for later.
    mutating func reset() {
        voice = nil
        drainAt = nil
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
