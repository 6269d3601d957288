import CALSA
import Foundation
import MusicBoxCore

/// A hardware volume control found by name on an ALSA mixer ("PCM" on the Pi's headphone jack,
/// "Speaker" or "Headphone" on USB adapters, "Master" on PulseAudio's mixer), used instead of
/// software gain when configured: the DAC then plays at full resolution however quiet the box is.
///
/// Controls with a dB scale are set in dB (the perceptual curve becomes exact); others on their
/// raw range. Gain 0 also turns the control's switch off where it has one. Used only by the
/// output thread.
public final class ALSAMixer {
    public let device: String
    public let control: String
    private var mixer: OpaquePointer?
    private let element: OpaquePointer
    private let rawRange: ClosedRange<Int>
    /// In hundredths of a dB, when the control has a dB scale.
    private let decibelRange: ClosedRange<Int>?
    private let hasSwitch: Bool

    public init(device: String, control: String) throws(BoxError) {
        self.device = device
        self.control = control
        var handle: OpaquePointer?
        var status = snd_mixer_open(&handle, 0)
        guard status >= 0, let handle else { throw Self.failure("open the mixer of", device, control, status) }
        mixer = handle
        status = snd_mixer_attach(handle, device)
        if status >= 0 { status = snd_mixer_selem_register(handle, nil, nil) }
        if status >= 0 { status = snd_mixer_load(handle) }
        guard status >= 0 else {
            snd_mixer_close(handle)
            throw Self.failure("open the mixer of", device, control, status)
        }
        var id: OpaquePointer?
        snd_mixer_selem_id_malloc(&id)
        defer { snd_mixer_selem_id_free(id) }
        snd_mixer_selem_id_set_index(id, 0)
        snd_mixer_selem_id_set_name(id, control)
        guard let found = snd_mixer_find_selem(handle, id), snd_mixer_selem_has_playback_volume(found) != 0 else {
            snd_mixer_close(handle)
            throw BoxError(.hardwareUnavailable, "The mixer of \(device) has no playback volume control named \"\(control)\" (amixer -D \(device) scontrols lists them).",
                           details: ["device": device, "control": control])
        }
        element = found
        var low = 0, high = 0
        snd_mixer_selem_get_playback_volume_range(found, &low, &high)
        rawRange = low ... max(low, high)
        var lowDB = 0, highDB = 0
        if snd_mixer_selem_get_playback_dB_range(found, &lowDB, &highDB) >= 0, highDB > lowDB {
            decibelRange = lowDB ... highDB
        } else {
            decibelRange = nil
        }
        hasSwitch = snd_mixer_selem_has_playback_switch(found) != 0
    }

    deinit {
        if let mixer { snd_mixer_close(mixer) }
    }

    /// Sets the control to an amplitude factor 0…1 (1: the control's top).
    public func set(gain: Double) {
        let gain = min(1, max(0, gain))
        if let decibels = decibelRange, gain > 0 {
            // 20·log10(gain) dB below the top, in hundredths; the bottom of the scale stops it.
            let target = decibels.upperBound + Int((2000 * log10(gain)).rounded())
            snd_mixer_selem_set_playback_dB_all(element, max(decibels.lowerBound, target), 1)
        } else {
            let raw = rawRange.lowerBound + Int((gain * Double(rawRange.count - 1)).rounded())
            snd_mixer_selem_set_playback_volume_all(element, raw)
        }
        if hasSwitch { snd_mixer_selem_set_playback_switch_all(element, gain > 0 ? 1 : 0) }
    }

    private static func failure(_ action: String, _ device: String, _ control: String, _ status: Int32) -> BoxError {
        let reason = snd_strerror(status).map { String(cString: $0) } ?? "error \(status)"
        return BoxError(.hardwareUnavailable, "Cannot \(action) \(device): \(reason).", details: ["device": device, "control": control])
    }
}
