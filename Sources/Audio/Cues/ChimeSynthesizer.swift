import Foundation
import MusicBoxCore

/// Makes the feedback sounds in code, so the box needs no sound files for them: a few soft,
/// bell-like notes per cue (sine, quick attack, gentle decay). Rising notes mean "yes", falling
/// ones "hm?", low repeated ones "no"; every cue uses notes no other cue uses, so each can be
/// recognised by pitch.
public enum ChimeSynthesizer {
    /// One note: when it starts, its pitch, how long it rings.
    public struct Note: Sendable, Equatable {
        public var startMs: Int
        public var frequency: Double
        public var lengthMs: Int
    }

    /// The notes of each cue.
    public static func notes(of cue: FeedbackCue) -> [Note] {
        switch cue {
        case .ready:  // C5 E5 G5, rising
            [Note(startMs: 0, frequency: 523.25, lengthMs: 450), Note(startMs: 130, frequency: 659.26, lengthMs: 450),
             Note(startMs: 260, frequency: 783.99, lengthMs: 500)]
        case .tagLinked:  // A5 then D6: a bright "done"
            [Note(startMs: 0, frequency: 880.00, lengthMs: 380), Note(startMs: 120, frequency: 1174.66, lengthMs: 450)]
        case .unknownTag:  // B4 down to G4: "hm?"
            [Note(startMs: 0, frequency: 493.88, lengthMs: 350), Note(startMs: 180, frequency: 392.00, lengthMs: 420)]
        case .error:  // D4 twice, short and low
            [Note(startMs: 0, frequency: 293.66, lengthMs: 200), Note(startMs: 260, frequency: 293.66, lengthMs: 260)]
        case .goodbye:  // F5 D5 A4, falling
            [Note(startMs: 0, frequency: 698.46, lengthMs: 420), Note(startMs: 160, frequency: 587.33, lengthMs: 420),
             Note(startMs: 320, frequency: 440.00, lengthMs: 600)]
        }
    }

    /// The peak of a single note, as a fraction of full scale (notes overlap, so they sum higher).
    static let noteLevel = 0.4

    /// The cue as interleaved samples in `format`, at full level (the engine applies the volume).
    public static func samples(of cue: FeedbackCue, format: PCMFormat) -> [Int16] {
        let notes = notes(of: cue)
        let rate = Double(format.sampleRate)
        let totalFrames = notes.map { Int(Double($0.startMs + $0.lengthMs) * rate / 1000) }.max() ?? 0
        var mix = [Double](repeating: 0, count: totalFrames)
        for note in notes {
            let start = Int(Double(note.startMs) * rate / 1000)
            let length = Int(Double(note.lengthMs) * rate / 1000)
            let attack = Int(0.006 * rate), release = Int(0.010 * rate)
            let decay = Double(length) / 4  // frames for the ring to fall to 1/e
            let step = 2 * Double.pi * note.frequency / rate
            for frame in 0 ..< min(length, totalFrames - start) {
                var envelope = exp(-Double(frame) / decay)
                if frame < attack { envelope *= Double(frame) / Double(attack) }
                if frame > length - release { envelope *= Double(length - frame) / Double(release) }
                mix[start + frame] += noteLevel * envelope * sin(step * Double(frame))
            }
        }
        var samples = [Int16](repeating: 0, count: totalFrames * format.channels)
        for frame in 0 ..< totalFrames {
            let value = Int16(clamping: Int((mix[frame] * 32767).rounded()))
            for channel in 0 ..< format.channels { samples[frame * format.channels + channel] = value }
        }
        return samples
    }
}
