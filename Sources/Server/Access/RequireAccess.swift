import Foundation
import Hummingbird
import SocketIO
import MusicBoxCore

/// The middleware of one access level's route group: every route registered in the group is
/// checked, whatever spelling of its path the router matched.
struct RequireAccess<Context: RequestContext>: RouterMiddleware {
    let access: APIOperation.Access
    let accessGuard: AccessGuard

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await accessGuard.check(access, token: ParentToken.from(request))
        return try await next(request, context)
    }
}

/// Where a request carries its parent token: `Authorization: Bearer …`, else the `musicbox_token`
/// cookie the web UI's login set.
enum ParentToken {
    static let cookieName = "musicbox_token"

    static func from(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let token = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
            if !token.isEmpty { return token }
        }
        return cookie(cookieName, in: request.headers[values: .cookie])
    }

    /// A socket's token: the handshake's `auth.token`, else the cookie its connection came with.
    static func from(_ socket: Socket) -> String? {
        socket.auth?.objectValue?["token"]?.stringValue ?? cookie(cookieName, in: socket.handshake.headers["cookie"].map { [$0] } ?? [])
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
