import Foundation
import HTTPTypes
import Hummingbird
import MusicBoxCore
import Parental
import SocketIO

/// Guards the API (CONTRACT §8): a state-changing request from a page of another origin is
/// refused (403 `foreign_origin`), and once a parent PIN is set, what needs a parent token is
/// refused without one (401, `reason` says why). The token comes as `Authorization: Bearer …`
/// or, from the web UI, as the `musicbox_token` cookie.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let parental: ParentalAccess
    let state: StateManager

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let changes = ![.get, .head, .options].contains(request.method)
        if changes, path.hasPrefix("/api/") {
            let origin = request.headers[.origin]
            guard EngineServer.sameHostOrigin(origin, request.head.authority) else {
                throw BoxError(
                    .forbidden, "Requests from pages of other sites are refused.", details: ["reason": "foreign_origin", "origin": origin ?? ""]
                )
            }
        }
        let requirement = AccessRule.requirement(method: request.method, path: path)
        guard requirement != .nothing, parental.isPINSet else { return try await next(request, context) }
        let playbackNeedsToken = requirement == .playback ? await state.playbackRequiresToken : false
        switch parental.decide(requirement, token: AccessRule.token(request), playbackNeedsToken: playbackNeedsToken) {
        case .allowed: return try await next(request, context)
        case .refused(let error): throw error
        }
    }
}

/// Which requests need what, by method and path.
enum AccessRule {
    static let cookieName = "musicbox_token"

    static func requirement(method: HTTPRequest.Method, path: String) -> ParentalAccess.Requirement {
        guard path.hasPrefix("/api/") else { return .nothing }  // the web UI's files and Engine.IO (events are guarded one by one)
        if path == "/api/auth/tokens" || path.hasPrefix("/api/auth/tokens/") || path == "/api/system/logs" { return .parent }
        if [.get, .head, .options].contains(method) { return .nothing }
        if path.hasPrefix("/api/auth/") { return .nothing }  // login, logout and the PIN check the PIN themselves
        if path.hasPrefix("/api/dev/") { return .nothing }  // simulated hardware: a hand on the box, not a change by a client
        if path.hasPrefix("/api/player/") { return .playback }
        let parts = path.split(separator: "/")
        if parts.count == 4, parts[1] == "playlists", parts[3] == "start" { return .playback }
        return .parent
    }

    /// The bearer token, else the session cookie.
    static func token(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let token = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
            if !token.isEmpty { return token }
        }
        return cookie(cookieName, in: request.headers[values: .cookie])
    }

    static func cookie(_ name: String, in headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    let value = parts[1].trimmingCharacters(in: .whitespaces)
                    if !value.isEmpty { return value }
                }
            }
        }
        return nil
    }
}
