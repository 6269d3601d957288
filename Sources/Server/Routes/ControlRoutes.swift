import Hummingbird
import MusicBoxCore

/// `/api/dev/controls/press`: presses a simulated button. Present only when the buttons are
/// simulated (hardware `sim`, or `auto` without a pin map).
struct ControlRoutes<Context: RequestContext> {
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }

    func register(on router: Router<Context>) {
        guard dependencies.controls is any ManualControlInput else { return }
        router.post("api/dev/controls/press", use: press)
    }

    struct PressBody: Decodable {
        var action: String
    }

    /// Presses a simulated button: `{action: "play_pause" | "next" | "previous" | "volume_up" | "volume_down" | "stop"}`.
    @Sendable func press(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(PressBody.self, from: request)
        guard let action = ControlAction(rawValue: input.action), action != .none else {
            let names = ControlAction.allCases.filter { $0 != .none }.map(\.rawValue).joined(separator: ", ")
            throw BoxError.validation(field: "action", "action must be one of \(names).")
        }
        (dependencies.controls as? any ManualControlInput)?.trigger(action)
        return try JSONResponse.success(["action": action.rawValue], message: "Pressed")
    }
}
