import BoxConfig
import Daemon
import Foundation
import GRDB
import MediaLibrary
import MusicBoxCore
import Testing

/// The HTTP API over a real loopback socket, against the whole daemon.
@Suite("HTTP routes")
struct HTTPRouteTests {
    @Test("health and system info answer with the contract's envelope")
    func healthAndInfo() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.path)

        let health = try await box.request("GET", "/api/health")
        #expect(health.status == 200)
        #expect(health.headers["content-type"]?.hasPrefix("application/json") == true)
        let healthJSON = try health.json()
        #expect(healthJSON["status"]?.string == "success")
        #expect(healthJSON["data"]?["status"]?.string == "healthy")
        #expect(healthJSON["data"]?["components"]?["database"]?.string == "connected")

        let info = try await box.request("GET", "/api/system/info")
        #expect(info.status == 200)
        let data = try #require(try info.json()["data"])
        #expect(data["version"]?.string == MusicBoxVersion.current)
        #expect(data["server_epoch"]?.string == box.daemon.state.serverEpoch)
        #expect(data["hardware_mode"]?.string == "sim")
        #expect((data["uptime_ms"]?.int ?? -1) >= 0)
        #expect((data["disk"]?["free_bytes"]?.int ?? 0) > 0)
        #expect(data["disk"]?["path"]?.string == box.daemon.layout.root.path)
        try await box.stop()
    }

    @Test("create, list, get, rename and delete a playlist; server_seq and client_op_id come back")
    func playlistLifecycle() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.path)

        let created = try await box.request("POST", "/api/playlists", body: #"{"title":"Bedtime","description":"soft songs","client_op_id":"op-1"}"#)
        #expect(created.status == 201)
        let createdJSON = try created.json()
        #expect(createdJSON["status"]?.string == "success")
        #expect(createdJSON["server_seq"]?.int == 1)
        #expect(createdJSON["client_op_id"]?.string == "op-1")
        let id = try #require(createdJSON["data"]?["id"]?.string)
        #expect(createdJSON["data"]?["title"]?.string == "Bedtime")
        #expect(createdJSON["data"]?["nfc_tag_id"]?.isNull == true)
        #expect(createdJSON["data"]?["track_count"]?.int == 0)

        let list = try await box.request("GET", "/api/playlists").json()
        #expect(list["data"]?["total"]?.int == 1)
        #expect(list["data"]?["playlists"]?[0]?["id"]?.string == id)

        let renamed = try await box.request("PUT", "/api/playlists/\(id)", body: #"{"title":"Naptime"}"#)
        #expect(renamed.status == 200)
        #expect(try renamed.json()["data"]?["title"]?.string == "Naptime")
        #expect(try renamed.json()["data"]?["description"]?.string == "soft songs")
        #expect(try renamed.json()["server_seq"]?.int == 2)

        let patched = try await box.request("PATCH", "/api/playlists/\(id)", body: #"{"description":""}"#)
        #expect(try patched.json()["data"]?["description"]?.string == "")

        let got = try await box.request("GET", "/api/playlists/\(id)")
        #expect(got.status == 200)
        #expect(try got.json()["data"]?["title"]?.string == "Naptime")
        #expect(try got.json()["data"]?["tracks"]?.array == [])

        let deleted = try await box.request("DELETE", "/api/playlists/\(id)?client_op_id=del-1")
        #expect(deleted.status == 200)
        #expect(try deleted.json()["client_op_id"]?.string == "del-1")
        #expect(try deleted.json()["server_seq"]?.int == 4)
        #expect(try await box.request("GET", "/api/playlists/\(id)").status == 404)
        #expect(try await box.request("GET", "/api/playlists").json()["data"]?["total"]?.int == 0)
        try await box.stop()
    }

    @Test("paging reports the real total and refuses bad parameters")
    func paging() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.path)
        for index in 1...12 {
            #expect(try await box.request("POST", "/api/playlists", body: #"{"title":"P\#(index)"}"#).status == 201)
        }
        let page = try await box.request("GET", "/api/playlists?page=3&limit=5").json()
        #expect(page["data"]?["total"]?.int == 12)
        #expect(page["data"]?["page"]?.int == 3)
        #expect(page["data"]?["playlists"]?.array?.compactMap { $0["title"]?.string } == ["P11", "P12"])

        for query in ["page=0", "limit=0", "limit=100000", "page=abc"] {
            let bad = try await box.request("GET", "/api/playlists?\(query)")
            #expect(bad.status == 400, "\(query)")
            #expect(try bad.json()["error_type"]?.string == "validation_error")
            #expect(try bad.json()["details"]?["field"]?.string == String(query.split(separator: "=")[0]))
        }
        try await box.stop()
    }

    @Test("malformed and invalid JSON get 400 naming the field; nothing is created")
    func badBodies() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.path)
        let cases: [(body: String, field: String)] = [
            (#"{"title":"#, "body"),
            ("not json at all", "body"),
            ("", "body"),
            (#"[1,2,3]"#, "body"),
            (#"{"description":"no title"}"#, "title"),
            (#"{"title":42}"#, "title"),
            (#"{"title":null}"#, "title"),
            (#"{"title":"   "}"#, "title"),
            (#"{"title":"\#(String(repeating: "a", count: 201))"}"#, "title"),
            (#"{"title":"tab\u0007bell"}"#, "title"),
            (#"{"title":"ok","description":7}"#, "description"),
            (#"{"title":"ok","client_op_id":""}"#, "client_op_id"),
            (String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), "body"),
        ]
        for (body, field) in cases {
            let reply = try await box.request("POST", "/api/playlists", body: body)
            #expect(reply.status == 400, "\(body.prefix(40))")
            let json = try reply.json()
            #expect(json["status"]?.string == "error")
            #expect(json["error_type"]?.string == "validation_error")
            #expect(json["details"]?["field"]?.string == field, "\(body.prefix(40)) → \(json)")
            #expect((json["message"]?.string ?? "").isEmpty == false)
        }
        #expect(try await box.request("GET", "/api/playlists").json()["data"]?["total"]?.int == 0)
        #expect(await box.daemon.state.currentServerSeq == 0)
        try await box.stop()
    }

    @Test("an oversized body gets 413 payload_too_large")
    func oversizedBody() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.path) { $0.server.maxJSONBodyBytes = 2048 }
        let big = #"{"title":"x","description":""# + String(repeating: "a", count: 4096) + #""}"#
        let reply = try await box.request("POST", "/api/playlists", body: big)
        #expect(reply.status == 413)
        #expect(try reply.json()["error_type"]?.string == "payload_too_large")
        #expect(try await box.request("GET", "/api/playlists").json()["data"]?["total"]?.int == 0)
        try await box.stop()
    }

    @Test("unknown and malformed ids get 404; unknown routes get the error envelope")
    func notFound() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.path)
        let unknown = PlaylistID()
        for (method, body) in [("GET", nil), ("PUT", #"{"title":"x"}"#), ("DELETE", nil)] as [(String, String?)] {
            let reply = try await box.request(method, "/api/playlists/\(unknown)", body: body)
            #expect(reply.status == 404, "\(method)")
            #expect(try reply.json()["error_type"]?.string == "not_found")
            #expect(try reply.json()["details"]?["playlist_id"]?.string == unknown.description)
        }
        #expect(try await box.request("GET", "/api/playlists/not-a-uuid").status == 404)
        let route = try await box.request("GET", "/api/no/such/thing")
        #expect(route.status == 404)
        #expect(try route.json()["error_type"]?.string == "not_found")
        #expect(await box.daemon.state.currentServerSeq == 0)
        try await box.stop()
    }

    @Test("a title like ../../etc stays a title and touches no file")
    func titleIsNeverAPath() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.url.appendingPathComponent("data").path)
        let before = try contents(of: dir.url)
        for title in ["../../etc", "/etc/passwd", "a/b\\c", "..", "con:", "%2e%2e%2f"] {
            let body = String(decoding: try JSONEncoder().encode(["title": title]), as: UTF8.self)
            let reply = try await box.request("POST", "/api/playlists", body: body)
            #expect(reply.status == 201)
            let id = try #require(try reply.json()["data"]?["id"]?.string)
            #expect(try await box.request("GET", "/api/playlists/\(id)").json()["data"]?["title"]?.string == title)
        }
        #expect(try contents(of: dir.url) == before)
        try await box.stop()
    }

    @Test("playlists survive a restart; deleting one removes its audio files")
    func persistenceAndFiles() async throws {
        let dir = try TemporaryDirectory()
        var box = try await InProcessDaemon.start(dataDir: dir.path)
        let keepID = try #require(try await box.request("POST", "/api/playlists", body: #"{"title":"Keep"}"#).json()["data"]?["id"]?.string)
        let dropID = try #require(try await box.request("POST", "/api/playlists", body: #"{"title":"Drop"}"#).json()["data"]?["id"]?.string)
        #expect(try await box.request("PUT", "/api/playlists/\(keepID)", body: #"{"title":"Kept"}"#).status == 200)

        // Give the doomed playlist a track with a real file in the media folder.
        let store = box.daemon.store
        let new = NewTrack.sample(title: "song")
        let file = try store.media.url(of: new.storedFileName)
        try Data(repeating: 7, count: 1000).write(to: file)
        _ = try await store.database.pool.write { db in try TrackRepository.append(db, new, to: PlaylistID(dropID)!, now: 1) }
        try await box.stop()

        box = try await InProcessDaemon.start(dataDir: dir.path)
        let list = try await box.request("GET", "/api/playlists").json()
        #expect(list["data"]?["playlists"]?.array?.compactMap { $0["title"]?.string } == ["Kept", "Drop"])
        #expect(try await box.request("GET", "/api/playlists/\(dropID)").json()["data"]?["track_count"]?.int == 1)
        #expect(FileManager.default.fileExists(atPath: file.path))

        #expect(try await box.request("DELETE", "/api/playlists/\(dropID)").status == 200)
        #expect(!FileManager.default.fileExists(atPath: file.path))
        try await box.stop()

        box = try await InProcessDaemon.start(dataDir: dir.path)
        #expect(try await box.request("GET", "/api/playlists").json()["data"]?["total"]?.int == 1)
        try await box.stop()
    }

    @Test("orphan media files are removed at start")
    func orphanSweepAtStart() async throws {
        let dir = try TemporaryDirectory()
        let media = dir.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        let orphan = media.appendingPathComponent("\(TrackID()).mp3")
        try Data("left over".utf8).write(to: orphan)
        let box = try await InProcessDaemon.start(dataDir: dir.path)
        #expect(!FileManager.default.fileExists(atPath: orphan.path))
        try await box.stop()
    }

    private func contents(of url: URL) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: url.path)
        return (enumerator?.allObjects as? [String] ?? []).sorted()
    }
}
