import HTTPTypes
import Hummingbird
import MusicBoxCore
import SocketIO

/// Keeps the box to its own pages (CONTRACT §8):
/// - a `Host` the box does not answer to is refused (403 `unknown_host`): a web page whose name
///   was rebound to the box's address (DNS rebinding) sends its own name there;
/// - a state-changing request with an `Origin` of another host is refused (403 `foreign_origin`),
///   so a page elsewhere cannot post a form or a `text/plain` fetch at the box.
/// The Engine.IO path is left to the Engine.IO server, whose origin policy applies the same rules
/// with the protocol's own error answers.
struct SameSiteMiddleware<Context: RequestContext>: RouterMiddleware {
    let hosts: HostAllowlist
    let enginePath: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path != enginePath, path + "/" != enginePath else { return try await next(request, context) }
        let host = request.head.authority
        guard hosts.allows(host) else {
            throw BoxError(
                .forbidden, "This box answers to its own names only, not \(HostAllowlist.name(of: host ?? "")). Add the name to server.allowed_hosts to use it.",
                details: ["reason": "unknown_host"]
            )
        }
        if ![.get, .head, .options].contains(request.method) {
            let origin = request.headers[.origin]
            guard EngineServer.sameHostOrigin(origin, host) else {
                throw BoxError(
                    .forbidden, "Requests from pages of other sites are refused.", details: ["reason": "foreign_origin", "origin": origin ?? ""]
                )
            }
        }
        return try await next(request, context)
    }
}
