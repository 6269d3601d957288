import Hummingbird
@_spi(Simulation) import MusicBoxCore

/// How the buttons and the encoder are wired, as `GET /api/controls` tells it (the settings page
/// shows it; changing it is a matter of the configuration file, where the pins are).
public struct ButtonMap: Sendable, Encodable {
    public struct Assignment: Sendable, Encodable {
        public var control: String
        public var pin: Int
        public var action: String
        public var longPress: String?

        public init(control: String, pin: Int, action: String, longPress: String? = nil) {
            self.control = control
            self.pin = pin
            self.action = action
            self.longPress = longPress
        }

        enum CodingKeys: String, CodingKey {
            case control, pin, action
            case longPress = "long_press"
        }
    }

    public var chip: String
    public var buttons: [Assignment]

    public init(chip: String = "", buttons: [Assignment] = []) {
        self.chip = chip
        self.buttons = buttons
    }
}

/// `GET /api/controls`: the button map and the input's health. `POST /api/dev/controls/press`
/// presses a simulated button; present only when the buttons are simulated (hardware `sim`, or
/// `auto` without a pin map).
struct ControlRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.buttonMap, use: map)
        guard dependencies.controls is any ManualControlInput else { return }
        routes.add(.devPress, use: press)
    }

    struct MapReply: Encodable {
        var health: ComponentHealth
        var problem: String?
        var simulated: Bool
        var chip: String
        var buttons: [ButtonMap.Assignment]
    }

    @Sendable func map(_ request: Request, context: Context) async throws -> Response {
        let controls = dependencies.controls
        let map = dependencies.buttons
        return try JSONResponse.success(
            MapReply(health: controls.health, problem: controls.problem, simulated: controls is any ManualControlInput, chip: map.chip, buttons: map.buttons),
            message: "Controls"
        )
    }

    struct PressBody: Decodable {
        var action: String
    }

    /// Presses a simulated button: `{action: "play_pause" | "next" | "previous" | "volume_up" | "volume_down" | "stop"}`.
    @Sendable func press(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(PressBody.self, from: request)
        // Never `shutdown`: switching the box off takes a hand on its real button or a parent in Settings.
        guard let action = ControlAction(rawValue: input.action), action != .none, action != .shutdown else {
            let names = ControlAction.allCases.filter { $0 != .none && $0 != .shutdown }.map(\.rawValue).joined(separator: ", ")
            throw BoxError.validation(field: "action", "action must be one of \(names).")
        }
        (dependencies.controls as? any ManualControlInput)?.trigger(action)
        return try JSONResponse.success(["action": action.rawValue], message: "Pressed")
    }
}
