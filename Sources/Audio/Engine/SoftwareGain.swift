/// How the engine turns volume into amplitude, in software: a cubic curve, fades and scaling.
/// Pure functions, used by the output worker.
enum SoftwareGain {
    /// Cubic: perceived loudness grows roughly with the cube root of amplitude (volume 50 →
    /// amplitude × 0.125), so equal steps sound like equal steps; muted is silence.
    static func gain(volume: Int, muted: Bool) -> Double {
        guard !muted else { return 0 }
        let linear = Double(min(100, max(0, volume))) / 100
        return linear * linear * linear
    }

    /// What a cue is scaled by: its own gain, or with a hardware volume control (which turns the
    /// whole output) its gain relative to the music's.
    static func cueGain(_ gain: Double, volumeGain: Double, hardwareVolume: Bool) -> Double {
        guard hardwareVolume else { return gain }
        return volumeGain > 0 ? min(1, gain / volumeGain) : 0
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
