import Daemon
import Foundation
import Testing

@testable import Server
import MusicBoxCore

@Suite("Who may call what: the operation table, canonical paths, the box's own host names")
struct AccessTableTests {
    @Test("the router serves exactly the table's routes and the gateway handles exactly its events")
    func tableIsTheWholeSurface() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.url.path)
        let served = box.daemon.routes
        let events = box.daemon.socketOperations.compactMap(\.event)
        try await box.stop()
        let engine = ["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"].map { "\($0) /socket.io" }
        let declared = OperationTable.all.compactMap { $0.route?.description }
        #expect(Set(served).subtracting(engine).sorted() == Set(declared).sorted(), "a route outside the table, or one not served")
        #expect(served.count == Set(served).count)
        #expect(Set(events) == Set(OperationTable.all.compactMap(\.event)))
        #expect(events.count == Set(events).count)
        #expect(Set(OperationTable.all.map(\.name)).count == OperationTable.all.count, "two operations share a name")
    }

    @Test("the access levels of CONTRACT §8")
    func levels() {
        let routes: [(String, APIOperation.Access)] = [
            ("GET /api/playlists", .open), ("GET /api/settings", .open), ("GET /api/auth/tokens", .parent),
            ("DELETE /api/auth/tokens/{token_id}", .parent), ("POST /api/auth/login", .open), ("POST /api/auth/pin", .open),
            ("POST /api/player/play", .playback), ("POST /api/playlists/{id}/start", .playback), ("POST /api/playlists", .parent),
            ("PATCH /api/playlists/{id}", .parent), ("DELETE /api/playlists/{id}", .parent), ("GET /api/system/logs", .parent),
            ("PUT /api/playlists/{id}/uploads/{session_id}/chunks/{index}", .parent), ("GET /api/playlists/{id}/uploads/{session_id}", .parent),
            ("POST /api/nfc/scan", .parent), ("PATCH /api/settings", .parent), ("POST /api/system/shutdown", .parent),
            ("POST /api/dev/nfc/place", .parent), ("POST /api/dev/controls/press", .parent),
        ]
        for (route, access) in routes {
            #expect(OperationTable.operation(route: route)?.access == access, "\(route)")
        }
        let events: [(String, APIOperation.Access)] = [
            ("player:pause", .playback), ("player:volume", .playback), ("playlist:create", .parent), ("playlist:delete", .parent),
            ("start_nfc_link", .parent), ("override_nfc_tag", .parent), ("join:playlists", .open), ("sync:request", .open),
        ]
        for (event, access) in events {
            #expect(OperationTable.operation(event: event)?.access == access, "\(event)")
        }
        #expect(OperationTable.all.filter(\.isDevelopment).allSatisfy { $0.access == .parent && $0.route?.path.hasPrefix("api/dev/") == true })
        #expect(ParentToken.cookie("musicbox_token", in: ["a=1; musicbox_token=xyz; b=2"]) == "xyz")
        #expect(ParentToken.cookie("musicbox_token", in: ["musicbox_token="]) == nil)
        #expect(ParentToken.cookie("musicbox_token", in: ["other_musicbox_token=1"]) == nil)
    }

    @Test("only the plain spelling of a path is canonical")
    func canonicalPaths() {
        for path in ["/", "/api/playlists", "/api/playlists/3f1c/tracks", "/js/app.js", "/socket.io/", "/api/x%20y"] {
            #expect(CanonicalPath.isCanonical(path, trailingSlashAllowed: ["/socket.io/"]), "\(path)")
        }
        for path in [
            "//api/playlists", "/api//playlists", "/api/playlists/", "/api/./playlists", "/api/../api/playlists", "/api/x/..",
            "/api%2fplaylists", "/api%2Fplaylists", "/api/%2e%2e/x", "/api\\playlists", "/api/\u{7F}", "/api/é", "/api/a#b",
            "//x//", "api/playlists", "", "/api/x%00", "/socket.io//", "/api/playlists/ ",
        ] {
            #expect(!CanonicalPath.isCanonical(path, trailingSlashAllowed: ["/socket.io/"]), "\(path)")
        }
    }

    @Test("the box answers to its own names and addresses only")
    func hostNames() {
        let hosts = HostAllowlist(configured: ["music.home.arpa"], hostName: "musicbox", readAddresses: { ["192.168.1.20", "fe80::1"] })
        for host in ["localhost", "localhost:8080", "127.0.0.1:8080", "[::1]:8080", "musicbox", "MusicBox.local:8080", "musicbox.local.",
                     "192.168.1.20:8080", "[fe80::1]:80", "music.home.arpa", nil] as [String?] {
            #expect(hosts.allows(host), "\(host ?? "none")")
        }
        for host in ["evil.example", "evil.example:8080", "musicbox.evil.example", "192.168.1.21", "[fe80::2]", "local", "", "musicbox.localhost.evil"] {
            #expect(!hosts.allows(host), "\(host)")
        }
    }
}

@Suite("Text rules: one place for what a name may hold")
struct TextRulesTests {
    @Test("typed names are refused when they hide something, cleaned names keep only what shows")
    func rules() throws {
        #expect(try TextRules.title("  Bedtime  ") == "Bedtime")
        #expect(try TextRules.title("Cafe\u{301}") == "Café")  // NFC: one é however it was typed
        #expect(try TextRules.title("👨\u{200D}👩\u{200D}👧 songs") == "👨\u{200D}👩\u{200D}👧 songs")  // a family emoji stays
        for hidden in ["evil\u{202E}3pm.mp3", "zero\u{200B}width", "bom\u{FEFF}", "line\u{2028}break", "tab\there", "nul\u{0}", "a\u{200D}b"] {
            #expect(throws: BoxError.self, "\(hidden.debugDescription)") { _ = try TextRules.title(hidden) }
        }
        #expect(throws: BoxError.self) { _ = try TextRules.title(String(repeating: "x", count: 201)) }
        #expect(try TextRules.description("two\nlines") == "two\nlines")
        #expect(throws: BoxError.self) { _ = try TextRules.description("bidi\u{202E}") }

        let long = TextRules.cleaned(String(repeating: "la ", count: 5000))
        #expect(long?.truncated == true && long!.text.count <= TextRules.maxTitleLength)
        #expect(TextRules.cleaned("A\u{202E}B\u{200B}C\n\n  D\u{0}")?.text == "ABC D")
        #expect(TextRules.cleaned("\u{200B}\u{FEFF} ") == nil)
        #expect(TextRules.cleaned("Song")?.truncated == false)
    }
}

@Suite("Methods a path takes")
struct MethodsTests {
    @Test("a declared path with an undeclared method is told which methods it takes")
    func allowed() async throws {
        #expect(OperationTable.methods(forPath: "/api/playlists") == ["GET", "POST"])
        #expect(Set(OperationTable.methods(forPath: "/api/playlists/3f1c2a")) == ["GET", "PUT", "PATCH", "DELETE"])
        #expect(OperationTable.methods(forPath: "/api/player/pause") == ["POST"])
        #expect(OperationTable.methods(forPath: "/api/nowhere").isEmpty)
        #expect(OperationTable.methods(forPath: "/api/dev/stall").isEmpty)
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.url.path)
        let reply = try await box.request("DELETE", "/api/player/pause")
        let unknown = try await box.request("GET", "/api/nowhere")
        try await box.stop()
        #expect(reply.status == 405)
        #expect(reply.headers["allow"] == "POST")
        #expect(try reply.json()["error_type"]?.string == "method_not_allowed")
        #expect(unknown.status == 404)
    }
}
