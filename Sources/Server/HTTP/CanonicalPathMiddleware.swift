import Hummingbird
import MusicBoxCore

/// Answers 404 to a path not in its one canonical spelling, before anything else looks at it.
///
/// The router matches `//api/x`, `/api//x` and `/api/x/` as `/api/x`; anything that decides by
/// the path (access, the web UI's files, the Engine.IO endpoint) must never see a spelling the
/// router reads differently. So: no empty segment, no `.` or `..`, no encoded `/`, `\` or `.`,
/// no backslash, control or non-ASCII byte, and no trailing slash except where one is the
/// canonical form (the Engine.IO path, `/socket.io/`).
struct CanonicalPathMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Paths whose canonical form ends in a slash.
    let trailingSlashAllowed: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard CanonicalPath.isCanonical(request.uri.path, trailingSlashAllowed: trailingSlashAllowed) else {
            throw BoxError(.notFound, "No such page: the path is not in its plain form (doubled or trailing slashes, dot segments or encoded slashes).",
                           details: ["reason": "non_canonical_path"])
        }
        return try await next(request, context)
    }
}

/// The rule itself, pure.
enum CanonicalPath {
    static func isCanonical(_ path: String, trailingSlashAllowed: Set<String> = []) -> Bool {
        guard path.first == "/" else { return false }
        if path == "/" || trailingSlashAllowed.contains(path) { return true }
        for byte in path.utf8 where byte < 0x21 || byte >= 0x7F || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "#") {
            return false
        }
        let lowered = path.lowercased()
        for encoded in ["%2f", "%5c", "%2e", "%00"] where lowered.contains(encoded) { return false }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        for segment in segments where segment.isEmpty || segment == "." || segment == ".." { return false }
        return true
    }
}
