import MusicBoxCore

/// Which GPIO line does what: the pin map of one build (from the configuration's `controls.*`).
public struct ControlLayout: Sendable, Equatable {
    public enum Bias: String, Sendable, Equatable, CaseIterable {
        case pullUp = "pull-up"
        case pullDown = "pull-down"
        case disabled
        /// Leave the line as the board's device tree set it.
        case asIs = "as-is"
    }

    public struct Button: Sendable, Equatable {
        /// BCM line offset on the chip.
        public var line: Int
        public var action: ControlAction
        public var longAction: ControlAction
        public var repeats: Bool

        public init(line: Int, action: ControlAction, longAction: ControlAction = .none, repeats: Bool = false) {
            self.line = line
            self.action = action
            self.longAction = longAction
            self.repeats = repeats
        }
    }

    public struct Encoder: Sendable, Equatable {
        public var lineA: Int
        public var lineB: Int
        /// 4: full-step encoder; 2: half-step.
        public var transitionsPerStep: Int

        public init(lineA: Int, lineB: Int, transitionsPerStep: Int = 4) {
            self.lineA = lineA
            self.lineB = lineB
            self.transitionsPerStep = transitionsPerStep
        }
    }

    /// The chip by name, label or number (`gpiochip0`, `pinctrl-bcm2711`, `0`).
    public var chip = "gpiochip0"
    public var bias = Bias.pullUp
    /// Buttons wired to ground with pull-ups read low when pressed.
    public var activeLow = true
    public var buttons: [Button] = []
    public var encoder: Encoder?
    public var timing = ButtonDecoder.Timing()

    public init() {}

    public var isEmpty: Bool { buttons.isEmpty && encoder == nil }

    /// Every line requested, each once.
    public var lines: [Int] {
        var all = buttons.map(\.line)
        if let encoder { all += [encoder.lineA, encoder.lineB] }
        return all
    }
}
