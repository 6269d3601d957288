import MusicBoxCore

/// What the output worker writes to: one open playback device. ``ALSAOutput`` is the real one;
/// tests give the worker a fake device, so what the output loop does with the device (fades,
/// drains, losing and reopening it) is checked without a sound card and without timing.
///
/// Used by one thread only (the output worker's), so it need not be `Sendable`.
public protocol PCMSink: AnyObject {
    /// What the device settled on for its buffer and its period, in frames.
    var bufferFrames: Int { get }
    var periodFrames: Int { get }
    /// Underruns and suspends recovered since opening.
    var underruns: Int { get }
    var suspends: Int { get }
    /// Writes every frame of `samples` (interleaved), waiting while the device buffer is full.
    func write(_ samples: [Int16]) throws(BoxError)
    /// Frames written but not yet heard.
    func delayFrames() -> Int
    /// Plays what is buffered, then stops.
    func drain()
    /// Drops what is buffered at once.
    func drop()
    /// Stops within about `frames` without a click; returns how many frames faded out (0: dropped).
    @discardableResult
    func fadeOut(frames: Int) -> Int
}

extension ALSAOutput: PCMSink {}
