import Audio
import Foundation
import MusicBoxCore
import Testing

/// The ALSA output itself, into ALSA's `file` plugin: what the plugin keeps is what would be heard.
@Suite("ALSA output")
struct ALSAOutputTests {
    /// A full-scale-ish 440 Hz stereo tone.
    static func tone(frames: Int, amplitude: Double = 20_000) -> [Int16] {
        (0 ..< frames).flatMap { frame -> [Int16] in
            let value = Int16(amplitude * sin(2 * Double.pi * 440 * Double(frame) / 48_000))
            return [value, value]
        }
    }

    /// The largest jump between neighbouring samples of the left channel: a click is a jump far
    /// above what the tone itself does (amplitude × 2π × 440 / 48000 ≈ 1152 here).
    static func largestStep(_ samples: [Int16]) -> Int {
        let left = stride(from: 0, to: samples.count, by: 2).map { Int(samples[$0]) }
        return zip(left, left.dropFirst()).map { abs($1 - $0) }.max() ?? 0
    }

    @Test("stopping mid-tone takes back what was not yet played and fades it out: no click")
    func fadeOut() throws {
        let dir = try TemporaryDirectory()
        let capture = dir.file("out.raw")
        let output = try ALSAOutput(device: "file:FILE=\(capture.path),FORMAT=raw", latencyMs: 100)
        let written = Self.tone(frames: 24_000)
        for start in stride(from: 0, to: written.count, by: 2048) {
            try output.write(Array(written[start ..< min(written.count, start + 2048)]))
        }
        let faded = output.fadeOut(frames: 576)
        let captured = try Data(contentsOf: capture).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(faded == 576, "the file plugin can rewind; \(faded) frames faded")
        // What was taken back is gone; the fade is what ends the capture, running down to silence.
        #expect(captured.count < written.count, "\(captured.count) of \(written.count) samples kept")
        let end = captured.suffix(2 * 48).map { abs(Int($0)) }.max() ?? .max
        #expect(end < 20_000 / 10, "the last millisecond peaks at \(end)")
        // The fade follows on from the unfaded tone without a jump.
        let prefix = Array(captured.prefix(captured.count - 2 * 576))
        #expect(Array(written.prefix(prefix.count)) == prefix)
        #expect(Self.largestStep(captured) <= 1200, "largest step \(Self.largestStep(captured))")
    }

    @Test("a device that cannot take back what it holds is dropped at once")
    func dropWhenNothingToRewind() throws {
        let dir = try TemporaryDirectory()
        let output = try ALSAOutput(device: "file:FILE=\(dir.file("out.raw").path),FORMAT=raw")
        // Nothing written: nothing to fade.
        #expect(output.fadeOut(frames: 576) == 0)
    }

    @Test("buffer and period sizes are asked of the device; an impossible device is refused clearly")
    func parameters() throws {
        let dir = try TemporaryDirectory()
        let asked = try ALSAOutput(device: "file:FILE=\(dir.file("out.raw").path),FORMAT=raw", latencyMs: 200, periodMs: 10)
        #expect(abs(asked.bufferFrames - 9600) <= 480 && abs(asked.periodFrames - 480) <= 48, "\(asked.bufferFrames)/\(asked.periodFrames)")
        let defaults = try ALSAOutput(device: "file:FILE=\(dir.file("out2.raw").path),FORMAT=raw", latencyMs: 100)
        #expect(abs(defaults.bufferFrames - 4800) <= 240 && abs(defaults.periodFrames - 1200) <= 120, "\(defaults.bufferFrames)/\(defaults.periodFrames)")
        do {
            _ = try ALSAOutput(device: "no_such_device_here")
            Issue.record("an unknown device opened")
        } catch {
            #expect(error.code == .hardwareUnavailable && error.message.contains("no_such_device_here"))
        }
    }
}
