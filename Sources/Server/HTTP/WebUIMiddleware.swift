import HTTPTypes
import Hummingbird
import Logging
import MusicBoxCore

/// Serves the web UI's files for every GET/HEAD outside `/api` and the Engine.IO path, with
/// headers that keep the page on the box: the content security policy lets it load and connect
/// to this origin only, so nothing the page does can reach the internet. Files are revalidated
/// on each load (`no-cache` with ETags), so a new firmware's UI is never mixed with the old one.
struct WebUIMiddleware<Context: RequestContext>: RouterMiddleware {
    let files: FileMiddleware<Context, LocalFileSystem>?
    /// Prefixes that are never files: the API and the Engine.IO endpoint.
    let reserved: [String]

    init(root: String?, reserved: [String], logger: Logger) {
        self.reserved = reserved
        files = root.map {
            FileMiddleware($0, cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true, logger: logger)
        }
    }

    static var securityHeaders: HTTPFields {
        [
            .contentSecurityPolicy: "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            .xContentTypeOptions: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.method == .get || request.method == .head, !reserved.contains(where: { path.hasPrefix($0) }) else {
            return try await next(request, context)
        }
        guard let files else {
            if path == "/" || path == "/index.html" {
                throw BoxError(
                    .notFound, "The web UI's files are not installed. The API is at /api; see server.web_root in the configuration.",
                    details: ["reason": "web_ui_missing"]
                )
            }
            return try await next(request, context)
        }
        var response = try await files.handle(request, context: context, next: next)
        if response.status.code < 400 {
            for field in Self.securityHeaders { response.headers[field.name] = field.value }
        }
        return response
    }
}
