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

    public var description: String { "S16_LE \(channels)ch \(sampleRate) Hz" }
}
