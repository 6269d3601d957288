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
    /// Underruns and suspends recovered since opening (shown in health).
    public private(set) var recoveries = 0
    private var pcm: OpaquePointer?

    /// Opens the device and fixes its format; `latencyMs` is the whole ALSA buffer.
    public init(device: String, format: PCMFormat = .standard, latencyMs: Int = 100) throws(BoxError) {
        self.device = device
        self.format = format
        var handle: OpaquePointer?
        var status = snd_pcm_open(&handle, device, SND_PCM_STREAM_PLAYBACK, 0)
        guard status >= 0, let handle else { throw Self.failure("open", device, status) }
        status = snd_pcm_set_params(
            handle, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
            UInt32(format.channels), UInt32(format.sampleRate), 1, UInt32(latencyMs * 1000)
        )
        guard status >= 0 else {
            snd_pcm_close(handle)
            throw Self.failure("set \(format) on", device, status)
        }
        pcm = handle
    }

    deinit {
        if let pcm { snd_pcm_close(pcm) }
    }

    /// Writes every frame of `samples` (interleaved), waiting while the device buffer is full.
    public func write(_ samples: [Int16]) throws(BoxError) {
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
            recoveries += 1
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
    }

    /// Drops what is buffered at once (stop, seek, skip).
    public func drop() {
        guard let pcm else { return }
        snd_pcm_drop(pcm)
        snd_pcm_prepare(pcm)
    }

    private static func failure(_ action: String, _ device: String, _ status: Int32) -> BoxError {
        let reason = snd_strerror(status).map { String(cString: $0) } ?? "error \(status)"
        return BoxError(.hardwareUnavailable, "Cannot \(action) the audio device \(device): \(reason).", details: ["device": device])
    }
}
