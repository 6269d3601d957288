import Foundation
import HTTPTypes
import Hummingbird
import MusicBoxCore
import Parental

/// `/api/auth/*`: the parent PIN and parent logins (CONTRACT §8).
///
/// | route | body | answer |
/// |---|---|---|
/// | `GET status` | — | `{pin_set, parent, playback_requires_token}` |
/// | `POST login` | `{pin, label?}` | `{token, token_id}` and the `musicbox_token` cookie |
/// | `POST logout` | — | forgets the token in use, clears the cookie |
/// | `POST pin` | `{pin, current_pin?}` | sets (or, with the current PIN, changes) the PIN; logs this client in |
/// | `DELETE pin` | `{current_pin}` | parental controls off |
/// | `GET tokens`, `DELETE tokens/{id}` | — | the parent logins; revoke one (needs a parent token) |
///
/// The PIN is checked with scrypt on `ParentalAccess`'s own queue (one hash at a time), never on an event loop.
struct AuthRoutes {
    typealias Context = BoxRequestContext
    let dependencies: APIDependencies
    var body: JSONBodyReader { JSONBodyReader(limit: dependencies.maxJSONBodyBytes) }
    var parental: ParentalAccess { dependencies.parental }

    func register(on routes: OperationRoutes<Context>) {
        routes.add(.authStatus, use: status)
        routes.add(.login, use: login)
        routes.add(.logout, use: logout)
        routes.add(.setPIN, use: setPIN)
        routes.add(.removePIN, use: removePIN)
        routes.add(.listTokens, use: tokens)
        routes.add(.revokeToken, use: revoke)
    }

    struct Status: Encodable {
        var pinSet: Bool
        var parent: Bool
        var playbackRequiresToken: Bool

        enum CodingKeys: String, CodingKey {
            case parent
            case pinSet = "pin_set"
            case playbackRequiresToken = "playback_requires_token"
        }
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        let settings = try await dependencies.state.settings()
        let token = ParentToken.from(request)
        let status = Status(
            pinSet: parental.isPINSet, parent: !parental.isPINSet || parental.isParent(token),
            playbackRequiresToken: settings.playbackRequiresToken
        )
        return try JSONResponse.success(status, message: "Access")
    }

    struct LoginBody: Decodable {
        var pin: String
        var label: String?
    }

    struct LoginReply: Encodable {
        var token: String
        var tokenID: String

        enum CodingKeys: String, CodingKey {
            case token
            case tokenID = "token_id"
        }
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(LoginBody.self, from: request)
        let client = context.clientKey
        let label = DeviceName.label(given: input.label, userAgent: request.headers[.userAgent])
        let (token, id) = try await parental.login(pin: input.pin, client: client, label: label)
        return try Self.loggedIn(token: token, id: id, message: "Logged in as a parent")
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        if let token = ParentToken.from(request) { try await parental.logout(token) }
        var response = try JSONResponse.success([String: String](), message: "Logged out")
        response.headers[.setCookie] = "\(ParentToken.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        return response
    }

    struct PINBody: Decodable {
        var pin: String?
        var current_pin: String?
    }

    @Sendable func setPIN(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(PINBody.self, from: request)
        guard let pin = input.pin else { throw BoxError.validation(field: "pin", "Give the new PIN as pin.") }
        let client = context.clientKey
        let label = DeviceName.from(userAgent: request.headers[.userAgent])
        try await parental.setPIN(pin, current: input.current_pin, client: client)
        let (token, id) = try await parental.login(pin: pin, client: client, label: label)
        return try Self.loggedIn(token: token, id: id, message: "PIN set; every other parent login was revoked")
    }

    @Sendable func removePIN(_ request: Request, context: Context) async throws -> Response {
        let input = try await body.decode(PINBody.self, from: request)
        guard let current = input.current_pin else { throw BoxError.validation(field: "current_pin", "Give the current PIN as current_pin.") }
        let client = context.clientKey
        try await parental.removePIN(current: current, client: client)
        return try JSONResponse.success([String: String](), message: "PIN removed; parental controls are off")
    }

    struct TokenInfo: Encodable {
        var id: String
        var label: String
        var createdAt: EpochMillis
        var lastUsedAt: EpochMillis
        var current: Bool

        enum CodingKeys: String, CodingKey {
            case id, label, current
            case createdAt = "created_at"
            case lastUsedAt = "last_used_at"
        }
    }

    @Sendable func tokens(_ request: Request, context: Context) async throws -> Response {
        let mine = ParentToken.from(request).map(ParentalAccess.digest)
        let list = parental.tokens().map { TokenInfo(id: $0.id, label: $0.label, createdAt: $0.createdAt, lastUsedAt: $0.lastUsedAt ?? $0.createdAt, current: $0.sha256 == mine) }
        return try JSONResponse.success(["tokens": list], message: "Parent logins")
    }

    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        try await parental.revoke(id: try context.parameters.require("token_id"))
        return try JSONResponse.success([String: String](), message: "Login revoked")
    }

    static func loggedIn(token: String, id: String, message: String) throws -> Response {
        var response = try JSONResponse.success(LoginReply(token: token, tokenID: id), message: message)
        // A year: a parent's laptop stays logged in; logging out or changing the PIN ends it.
        response.headers[.setCookie] = "\(ParentToken.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000"
        return response
    }
}
