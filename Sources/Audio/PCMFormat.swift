/// The one format decoded audio travels in between decoder and output: interleaved signed
/// 16-bit samples at a fixed rate and channel count, chosen once when the output opens.
public struct PCMFormat: Sendable, Equatable, CustomStringConvertible {
    public var sampleRate: Int
    public var channels: Int

    public init(sampleRate: Int = 48_000, channels: Int = 2) {
        self.sampleRate = sampleRate
        self.channels = channels
    }

    public static let standard = PCMFormat()

    public func frames(forMilliseconds ms: Int64) -> Int64 { ms * Int64(sampleRate) / 1000 }
    public func milliseconds(forFrames frames: Int64) -> Int64 { frames * 1000 / Int64(sampleRate) }

    /// Scales each whole frame of `samples` by `gain(frame)`, a 16.16 fixed-point factor
    /// (65536 = unchanged): the fades in and out.
    public func scaleFrames(_ samples: inout [Int16], gain: (Int) -> Int32) {
        for frame in 0 ..< samples.count / channels {
            let factor = gain(frame)
            for index in frame * channels ..< (frame + 1) * channels {
                samples[index] = Int16((Int32(samples[index]) * factor) >> 16)
            }
        }
    }

    public var description: String { "S16_LE \(channels)ch \(sampleRate) Hz" }
}
