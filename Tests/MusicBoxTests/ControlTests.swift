import Controls
import MusicBoxCore
import Testing

@Suite("Buttons and encoder")
struct ControlTests {
    let start = ContinuousClock.now
    func at(_ ms: Int) -> ContinuousClock.Instant { start + .milliseconds(ms) }

    /// Feeds (ms, pressed) edges and ticks every millisecond up to `until`; returns the actions with their times.
    func run(_ decoder: inout ButtonDecoder, _ edges: [(Int, Bool)], until: Int) -> [(Int, ControlAction)] {
        var out: [(Int, ControlAction)] = []
        var pending = edges[...]
        for ms in 0 ... until {
            while let edge = pending.first, edge.0 == ms {
                out += decoder.edge(pressed: edge.1, at: at(ms)).map { (ms, $0) }
                pending = pending.dropFirst()
            }
            out += decoder.tick(at: at(ms)).map { (ms, $0) }
        }
        return out
    }

    @Test("a bouncing press and release act once, at the first edge")
    func bounce() {
        var button = ButtonDecoder(action: .playPause)
        let edges = [(0, true), (2, false), (4, true), (7, false), (9, true), (200, false), (203, true), (205, false)]
        let actions = run(&button, edges, until: 400)
        #expect(actions.map(\.1) == [.playPause] && actions[0].0 == 0)
        #expect(!button.pressed)
    }

    @Test("bounce that settles on the other level is accepted when the debounce window ends")
    func settle() {
        var button = ButtonDecoder(action: .next)
        // Pressed, then a release inside the window that is real: the button is up at 30 ms.
        let actions = run(&button, [(0, true), (10, false), (100, true), (150, false)], until: 300)
        #expect(actions.map(\.0) == [0, 100])
        #expect(!button.pressed)
    }

    @Test("a short press acts on release, a long press only with its long action")
    func longPress() {
        var button = ButtonDecoder(action: .playPause, longAction: .stop)
        #expect(run(&button, [(0, true), (300, false)], until: 500).map(\.1) == [.playPause])
        var held = ButtonDecoder(action: .playPause, longAction: .stop)
        let actions = run(&held, [(0, true), (1500, false)], until: 2000)
        #expect(actions.map(\.1) == [.stop] && actions[0].0 == 1000)
    }

    @Test("holding a volume button repeats after the long-press time")
    func repeats() {
        var button = ButtonDecoder(action: .volumeUp, repeats: true)
        let actions = run(&button, [(0, true), (1450, false)], until: 2000)
        #expect(actions.map(\.0) == [0, 1000, 1200, 1400])
        #expect(Set(actions.map(\.1)) == [.volumeUp])
    }

    /// Edges of one clockwise detent of a full-step encoder resting at A=1, B=1.
    static let clockwise: [(Bool, Bool)] = [(false, false), (true, false), (false, true), (true, true)]  // (isA, level)

    @Test("a full-step encoder: one step per detent either way, bounce cancels, direction changes")
    func encoder() {
        var rotary = RotaryDecoder(transitionsPerStep: 4)
        var steps: [Int] = []
        // B falls, A falls, B rises, A rises: clockwise.
        for (isA, level) in Self.clockwise { steps += rotary.edge(isA: isA, level: level) }
        #expect(steps == [1])
        // With contact bounce on every edge.
        steps = []
        for (isA, level) in Self.clockwise {
            steps += rotary.edge(isA: isA, level: level)
            steps += rotary.edge(isA: isA, level: !level)
            steps += rotary.edge(isA: isA, level: level)
        }
        #expect(steps == [1])
        // Counter-clockwise: the same edges in reverse order, inverted.
        steps = []
        for (isA, level) in Self.clockwise.reversed() { steps += rotary.edge(isA: isA, level: !level) }
        #expect(steps == [-1])
        // Three detents one way, two the other.
        steps = []
        for _ in 0 ..< 3 { for (isA, level) in Self.clockwise { steps += rotary.edge(isA: isA, level: level) } }
        for _ in 0 ..< 2 { for (isA, level) in Self.clockwise.reversed() { steps += rotary.edge(isA: isA, level: !level) } }
        #expect(steps == [1, 1, 1, -1, -1])
    }

    @Test("a fast turn that misses an edge still counts its detent")
    func missedEdge() {
        var rotary = RotaryDecoder(transitionsPerStep: 4)
        var steps = rotary.edge(isA: false, level: false)   // 11 -> 10
        steps += rotary.levels(a: false, b: true)            // 10 -> 01: 00 was missed
        steps += rotary.edge(isA: true, level: true)         // 01 -> 11
        #expect(steps == [1])
    }

    @Test("a half-step encoder steps at 00 and at 11")
    func halfStep() {
        var rotary = RotaryDecoder(transitionsPerStep: 2)
        var steps: [Int] = []
        for (isA, level) in Self.clockwise { steps += rotary.edge(isA: isA, level: level) }
        #expect(steps == [1, 1])
    }

    @Test("volume buttons step within 0 and max_volume, and going up unmutes")
    func volume() async throws {
        let harness = try StateHarness()
        _ = try await harness.manager.perform(UpdateSettings(maxVolume: 60))
        _ = try await harness.manager.perform(SetVolume(volume: 55, muted: true))
        let up = try await harness.manager.perform(ChangeVolume(by: 10)).value
        #expect(up.volume == 60 && !up.muted)
        _ = try await harness.manager.perform(SetVolume(volume: 3))
        #expect(try await harness.manager.perform(ChangeVolume(by: -5)).value.volume == 0)
    }
}
