import HTTPTypes
import Parental

/// One thing a client may ask of the box, declared once: its name, where it is reached (an HTTP
/// route, a Socket.IO event, or both for the same command), and who may call it.
///
/// Access is part of the declaration, not guessed from a path: the HTTP route is registered in the
/// route group of its access level (whose middleware checks it, whatever spelling of the path the
/// router matched), and the Socket.IO handler is wrapped in the same check. ``OperationTable`` lists
/// every operation; tests walk that list.
public struct APIOperation: Sendable, Hashable, CustomStringConvertible {
    /// Who may call an operation (CONTRACT §8), as the OpenAPI document's `x-access` says it.
    public enum Access: String, Sendable, CaseIterable, Codable {
        /// Anyone on the home network: reads, and the login itself.
        case open
        /// Anyone, unless the parents turned on `playback_requires_token`.
        case playback
        /// A parent token once a PIN is set.
        case parent

        var requirement: ParentalAccess.Requirement {
            switch self {
            case .open: .nothing
            case .playback: .playback
            case .parent: .parent
            }
        }
    }

    public struct Route: Sendable, Hashable, CustomStringConvertible {
        public let method: HTTPRequest.Method
        /// As Hummingbird spells it, without the leading slash: `api/playlists/:id`.
        public let path: String

        /// "METHOD /path/{parameter}", as the router lists routes and the OpenAPI document names them.
        public var description: String { "\(method) \(documentedPath)" }

        /// `/api/playlists/{id}`: the path as OpenAPI writes it.
        public var documentedPath: String {
            "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        }
    }

    /// Dotted and stable: `player.pause`.
    public let name: String
    public let access: Access
    public let route: Route?
    public let event: String?
    /// The MQTT command (`<base>/cmd/<name>`) that reaches it, when the smart home may ask it.
    public let mqtt: String?
    /// Simulated hardware's hand on the box (`/api/dev/*`): only with `--hardware sim` and
    /// `server.dev_routes = "on"`.
    public let isDevelopment: Bool

    init(_ name: String, _ access: Access, _ method: HTTPRequest.Method? = nil, _ path: String? = nil, event: String? = nil, mqtt: String? = nil,
         development: Bool = false) {
        precondition(method == nil || path != nil, "\(name): a method needs a path")
        precondition(method != nil || event != nil || mqtt != nil, "\(name): an operation is reached by a route, an event or an MQTT command")
        self.mqtt = mqtt
        self.name = name
        self.access = access
        route = method.map { Route(method: $0, path: path!) }
        self.event = event
        isDevelopment = development
    }

    public var description: String { name }
}
