import CALSA
import MusicBoxCore

/// One ALSA playback device, opened by name (`default`, `plughw:1,0`, `dmix`, or a plugin
/// definition such as `file:FILE=/tmp/out.raw,FORMAT=raw`), fed interleaved ``PCMFormat`` frames.
///
/// `write` blocks until ALSA has taken every frame, so it runs on the output thread, never on an
/// event loop or the state manager. Underruns (EPIPE) and suspends (ESTRPIPE) are recovered and
/// counted; anything else is reported as `hardware_unavailable`.
public final class ALSAOutput {
    public let device: String
    public let format: PCMFormat
    /// Underruns (EPIPE) and suspends (ESTRPIPE) recovered since opening (shown in health).
    public private(set) var underruns = 0
    public private(set) var suspends = 0
    private var pcm: OpaquePointer?
    /// The last frames written (interleaved), as many as the device can hold: what a rewind takes
    /// back, so it can be written again fading out.
    private var recent: [Int16] = []
    private let recentCapacity: Int
    /// What the device settled on for the buffer and the period, in frames (it rounds what was asked).
    public private(set) var bufferFrames = 0
    public private(set) var periodFrames = 0

    /// Opens the device and fixes its format. `latencyMs` is the whole ALSA buffer (how far
    /// writing runs ahead of hearing); `periodMs` how often the device wakes us to refill it
    /// (`nil`: a quarter of the buffer). The device may round both to what it supports.
    public init(device: String, format: PCMFormat = .standard, latencyMs: Int = 100, periodMs: Int? = nil) throws(BoxError) {
        self.device = device
        self.format = format
        recentCapacity = Int(format.frames(forMilliseconds: Int64(latencyMs))) * format.channels
        var handle: OpaquePointer?
        let status = snd_pcm_open(&handle, device, SND_PCM_STREAM_PLAYBACK, 0)
        guard status >= 0, let handle else { throw Self.failure("open", device, status) }
        do throws(BoxError) {
            (bufferFrames, periodFrames) = try Self.configure(
                handle, device: device, format: format, bufferUs: UInt32(latencyMs * 1000),
                periodUs: UInt32((periodMs ?? max(1, latencyMs / 4)) * 1000)
            )
        } catch {
            snd_pcm_close(handle)
            throw error
        }
        pcm = handle
    }

    /// Hardware parameters (format, rate with ALSA's resampling allowed, buffer and period), then
    /// software parameters: wake when a period is free. Returns the buffer and period in frames.
    private static func configure(
        _ pcm: OpaquePointer, device: String, format: PCMFormat, bufferUs: UInt32, periodUs: UInt32
    ) throws(BoxError) -> (buffer: Int, period: Int) {
        var hw: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&hw) >= 0, let hw else { throw BoxError(.internalError, "Out of memory opening \(device).") }
        defer { snd_pcm_hw_params_free(hw) }
        var rate = UInt32(format.sampleRate)
        var buffer = bufferUs
        var period = periodUs
        var direction: Int32 = 0
        let steps: [(String, () -> Int32)] = [
            ("read the parameters of", { snd_pcm_hw_params_any(pcm, hw) }),
            ("allow resampling on", { snd_pcm_hw_params_set_rate_resample(pcm, hw, 1) }),
            ("set interleaved access on", { snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED) }),
            ("set 16-bit samples on", { snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE) }),
            ("set \(format.channels) channels on", { snd_pcm_hw_params_set_channels(pcm, hw, UInt32(format.channels)) }),
            ("set \(format.sampleRate) Hz on", { snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &direction) }),
            ("set a \(bufferUs / 1000) ms buffer on", { snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &buffer, &direction) }),
            ("set a \(periodUs / 1000) ms period on", { snd_pcm_hw_params_set_period_time_near(pcm, hw, &period, &direction) }),
            ("apply the parameters to", { snd_pcm_hw_params(pcm, hw) }),
        ]
        for (action, step) in steps {
            let status = step()
            guard status >= 0 else { throw failure(action, device, status) }
        }
        guard rate == UInt32(format.sampleRate) else {
            throw BoxError(.hardwareUnavailable, "The audio device \(device) cannot play \(format.sampleRate) Hz (it offers \(rate) Hz); use a plughw: device.",
                           details: ["device": device])
        }
        var periodFrames = snd_pcm_uframes_t(0)
        var bufferFrames = snd_pcm_uframes_t(0)
        snd_pcm_hw_params_get_period_size(hw, &periodFrames, &direction)
        snd_pcm_hw_params_get_buffer_size(hw, &bufferFrames)
        var sw: OpaquePointer?
        guard snd_pcm_sw_params_malloc(&sw) >= 0, let sw else { throw BoxError(.internalError, "Out of memory opening \(device).") }
        defer { snd_pcm_sw_params_free(sw) }
        snd_pcm_sw_params_current(pcm, sw)
        snd_pcm_sw_params_set_avail_min(pcm, sw, periodFrames)
        let status = snd_pcm_sw_params(pcm, sw)
        guard status >= 0 else { throw failure("apply software parameters to", device, status) }
        return (Int(bufferFrames), Int(periodFrames))
    }

    deinit {
        if let pcm { snd_pcm_close(pcm) }
    }

    /// Writes every frame of `samples` (interleaved), waiting while the device buffer is full.
    public func write(_ samples: [Int16]) throws(BoxError) {
        try writeFrames(samples)
        recent += samples
        if recent.count > recentCapacity { recent.removeFirst(recent.count - recentCapacity) }
    }

    private func writeFrames(_ samples: [Int16]) throws(BoxError) {
        guard let pcm else { throw BoxError(.hardwareUnavailable, "The audio device \(device) is closed.") }
        let frames = samples.count / format.channels
        var written = 0
        while written < frames {
            let result = samples.withUnsafeBufferPointer { buffer in
                snd_pcm_writei(pcm, buffer.baseAddress! + written * format.channels, snd_pcm_uframes_t(frames - written))
            }
            if result >= 0 {
                written += Int(result)
                // Start at once rather than when the buffer is full: sound comes sooner after a tap,
                // and a device whose threshold is above its buffer (PulseAudio's plugin) never stalls.
                if snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED { snd_pcm_start(pcm) }
                continue
            }
            // Underrun or suspend: recover silently (counted) and go on writing.
            let recovered = snd_pcm_recover(pcm, Int32(result), 1)
            guard recovered >= 0 else { throw Self.failure("write to", device, Int32(result)) }
            if Int32(result) == -ESTRPIPE { suspends += 1 } else { underruns += 1 }
        }
    }

    /// Frames written but not yet heard (0 when the device cannot tell, e.g. before it starts).
    public func delayFrames() -> Int {
        guard let pcm else { return 0 }
        var delay = snd_pcm_sframes_t(0)
        return snd_pcm_delay(pcm, &delay) >= 0 ? max(0, Int(delay)) : 0
    }

    /// Plays what is buffered, then stops.
    public func drain() {
        guard let pcm else { return }
        snd_pcm_drain(pcm)
        snd_pcm_prepare(pcm)
        recent.removeAll(keepingCapacity: true)
    }

    /// Drops what is buffered at once.
    public func drop() {
        guard let pcm else { return }
        snd_pcm_drop(pcm)
        snd_pcm_prepare(pcm)
        recent.removeAll(keepingCapacity: true)
    }

    /// Stops within about `frames` without a click (pause, stop, seek, skip): takes back what the
    /// device has not played yet (`snd_pcm_rewind`), writes its first `frames` again fading to
    /// silence, and lets that play out. A device that cannot rewind is dropped at once.
    /// Returns how many frames faded out (0: dropped).
    @discardableResult
    public func fadeOut(frames: Int) -> Int {
        guard let pcm else { return 0 }
        // A couple of milliseconds stay where they are: the device may be reading them right now.
        let guardFrames = Int(format.frames(forMilliseconds: 2))
        let rewindable = Int(snd_pcm_rewindable(pcm)) - guardFrames
        let held = recent.count / format.channels
        guard rewindable > 0, held > 0 else {
            drop()
            return 0
        }
        let rewound = Int(snd_pcm_rewind(pcm, snd_pcm_uframes_t(min(rewindable, held))))
        guard rewound > 0 else {
            drop()
            return 0
        }
        let start = (held - rewound) * format.channels
        let count = min(frames, rewound)
        var tail = Array(recent[start ..< start + count * format.channels])
        format.scaleFrames(&tail) { Int32(65536 * (count - $0) / (count + 1)) }
        do { try writeFrames(tail) } catch {
            drop()
            return 0
        }
        snd_pcm_drain(pcm)
        snd_pcm_prepare(pcm)
        recent.removeAll(keepingCapacity: true)
        return count
    }

    private static func failure(_ action: String, _ device: String, _ status: Int32) -> BoxError {
        let reason = snd_strerror(status).map { String(cString: $0) } ?? "error \(status)"
        return BoxError(.hardwareUnavailable, "Cannot \(action) the audio device \(device): \(reason).", details: ["device": device])
    }
}

extension ALSAOutput {
    /// The alsa-lib this binary uses, as loaded ("alsa-lib 1.2.14").
    public static var library: String { "alsa-lib \(String(cString: snd_asoundlib_version()))" }
}
