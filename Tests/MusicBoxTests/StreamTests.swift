@_spi(Simulation) import Audio
import Foundation
import GRDB
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
@testable import Uploads
import SmartHome
import Testing

@Suite("Live streams: addresses, ICY metadata, reconnecting, and the player's live rules")
struct StreamTests {
    @Test("a stream address is an http(s) URL with a host, printable, at most 2048 bytes")
    func addresses() throws {
        #expect(try StreamURL.check("  HTTPS://Radio.Example.ORG:8443/live?x=1 ") == "https://radio.example.org:8443/live?x=1")
        #expect(try StreamURL.check("http://10.0.0.2/stream.mp3") == "http://10.0.0.2/stream.mp3")
        for bad in ["", "ftp://a/b", "file:///etc/passwd", "javascript:alert(1)", "http://", "http:///x", "http://a b/",
                    "http://ä.example/", "http://a/\u{7}", "radio.example.org/live", "http://a:99999/",
                    "http://a/" + String(repeating: "x", count: 2048)] {
            #expect(throws: BoxError.self, "\(bad.prefix(40))") { try StreamURL.check(bad) }
        }
        do {
            _ = try StreamURL.check("gopher://x/")
        } catch {
            #expect(error.code == .validationError && error.details["field"] == "url")
        }
        #expect(StreamURL.shown("http://user:secret@radio/x") == "http://user:***@radio/x")
        #expect(StreamURL.shown("http://radio/x") == "http://radio/x")
    }

    @Test("ICY metadata: the title between StreamTitle=' and ';, UTF-8 or Latin-1, cleaned; the station's name")
    func icy() {
        let block = { (text: String) in Array(text.utf8) + [0, 0, 0] }
        #expect(ICYMetadata.streamTitle(block("StreamTitle='Artist - Song';StreamUrl='';")) == "Artist - Song")
        #expect(ICYMetadata.streamTitle(block("StreamTitle='Rock 'n' Roll';")) == "Rock 'n' Roll")
        #expect(ICYMetadata.streamTitle(block("StreamTitle='Ärger – Lied';")) == "Ärger – Lied")
        // Latin-1 (an older server): "Ärger" as 0xC4.
        #expect(ICYMetadata.streamTitle(Array("StreamTitle='".utf8) + [0xC4] + Array("rger';".utf8)) == "Ärger")
        #expect(ICYMetadata.streamTitle(block("StreamTitle='';")) == nil)
        #expect(ICYMetadata.streamTitle(block("StreamUrl='x';")) == nil)
        #expect(ICYMetadata.streamTitle(block("StreamTitle='Line\u{202E}break\nnext';")) == "Linebreak next")
        #expect(ICYMetadata.streamTitle(block("StreamTitle='" + String(repeating: "a", count: 500) + "';"))?.count == TextRules.maxTitleLength)
        #expect(ICYMetadata.stationName(Array("icy-br:128\nicy-name: Kinder Radio \nicy-genre: kids\n".utf8)) == "Kinder Radio")
        #expect(ICYMetadata.stationName(Array("icy-genre: kids\n".utf8)) == nil)
    }

    @Test("a stream never heard gets two tries; one that dropped is retried 0.5, 1, 2, 4, 8, 8 s apart until it has been gone too long")
    func retry() {
        let start = ContinuousClock.now
        var never = StreamRetry(policy: .init())
        #expect(never.failed(at: start) == .retry(at: start + .milliseconds(500)))
        #expect(never.failed(at: start + .seconds(1)) == .giveUp)

        var dropped = StreamRetry(policy: .init(giveUpAfter: .seconds(30)))
        dropped.heardAudio()
        var now = start
        var waits: [Duration] = []
        while case .retry(let at) = dropped.failed(at: now) {
            waits.append(at - now)
            now = at
        }
        #expect(waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        #expect(now - start >= .seconds(30) - .seconds(8))
        // Audio again: the next drop starts the backoff afresh.
        dropped.heardAudio()
        #expect(dropped.failed(at: now) == .retry(at: now + .milliseconds(500)))
    }

    @Test("a stream row has no file: it loads as a stream, has no audio file, and deleting it removes nothing")
    func storage() throws {
        let dir = try TemporaryDirectory()
        let database = try LibraryDatabase(path: dir.file("box.sqlite").path)
        let media = try MediaFolder(directory: dir.url.appendingPathComponent("media"))
        let store = GRDBLibraryStore(database: database, media: media)
        let playlist = try store.write { try $0.createPlaylist(title: "Radio", description: "", now: 1) }
        let stream = NewStream(url: "https://radio.example/live.mp3", title: "Radio One")
        let detail = try store.write { try $0.addStream(stream, to: playlist.id, now: 2) }
        #expect(detail.tracks.count == 1)
        let track = detail.tracks[0]
        #expect(track.source == .stream(url: "https://radio.example/live.mp3") && track.durationMs == 0 && track.title == "Radio One")
        #expect(try store.loadLibrary().first?.tracks.first?.source == .stream(url: "https://radio.example/live.mp3"))
        #expect(store.mediaPath(for: track.id) == nil)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(track)) as? [String: Any])
        #expect(json["kind"] as? String == "stream" && json["stream_url"] as? String == "https://radio.example/live.mp3")
        try store.reconcileMediaFolder()
        let after = try store.write { try $0.deleteTracks([track.id], from: playlist.id, now: 3) }
        #expect(after.tracks.isEmpty)
        // Only the two kinds exist.
        #expect(throws: (any Error).self) {
            try database.pool.write { db in try db.execute(sql: "UPDATE tracks SET kind = 'podcast'") ; try db.execute(
                sql: "INSERT INTO tracks (id, playlist_id, track_number, title, duration_ms, file_name, original_filename, file_size, sha256, created_at, kind) VALUES ('a', ?, 1, 't', 0, 'x', 'x', 0, '', 1, 'other')",
                arguments: [playlist.id.description]) }
        }
    }

    @Test("the player joins a stream live: no end, pause holds no place, play reconnects, no seeking, lift keeps no position; titles shown")
    func playerRules() async throws {
        var playlist: PlaylistDetail!
        let harness = try StateHarness { store in
            let summary = try store.write { try $0.createPlaylist(title: "Radio", description: "", now: 1) }
            playlist = try store.write { try $0.addStream(NewStream(url: "http://radio.example/a", title: "Station"), to: summary.id, now: 2) }
        }
        let manager = harness.manager
        let stream = playlist.tracks[0]
        let tag = TagID("04a1b2c3d4")!
        _ = try await manager.perform(LinkTag(tag: tag, playlistID: playlist.summary.id))
        #expect(await manager.tag(.placed(tag)).action == .started)
        let playing = await manager.playerState
        #expect(playing.status == .playing && playing.source == "stream" && playing.durationMs == 0)
        // A file of 0 ms would end at once; a stream plays on, its position the time listened.
        try await Task.sleep(for: .milliseconds(100))
        #expect(await manager.playerState.status == .playing)
        #expect(harness.engine.position() >= 100)

        harness.engine.report(.streamTitle(stream.id, "Song One"))
        try await waitUntil { await manager.playerState.streamTitle == "Song One" }
        let titled = harness.recorder.sequenced.filter { $0.type == .player }.last!
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(titled.payload)) as? [String: Any])
        #expect(json["stream_title"] as? String == "Song One" && json["source"] as? String == "stream")
        // A title of a stream no longer playing is ignored.
        harness.engine.report(.streamTitle(TrackID(), "Elsewhere"))
        #expect(await manager.playerState.streamStatus == "live")
        harness.engine.report(.streamConnected(stream.id, false))
        try await waitUntil { await manager.playerState.streamStatus == "reconnecting" }
        harness.engine.report(.streamConnected(stream.id, true))
        try await waitUntil { await manager.playerState.streamStatus == "live" }

        await #expect(throws: BoxError.self) { try await manager.perform(Seek(positionMs: 1000)) }

        #expect(await manager.tag(.removed(tag)).action == .paused)
        let paused = await manager.playerState
        #expect(paused.status == .paused && paused.positionMs == 0 && paused.streamTitle == nil && paused.streamStatus == nil)
        manager.flushResumePoints()
        let saved = try harness.store.resumePoint(for: playlist.summary.id)
        #expect(saved?.trackID == stream.id && saved?.positionMs == 0)

        let loadsBefore = harness.engine.loadedTracks.count
        _ = try await manager.perform(Play())
        #expect(await manager.playerState.status == .playing)
        // Joined live again: loaded afresh (a resume of where the engine held would load nothing).
        #expect(harness.engine.loadedTracks.count == loadsBefore + 1)
    }

    private func waitUntil(_ condition: () async -> Bool) async throws {
        for _ in 0..<200 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("condition not met within 1 s")
    }
}

@Suite("Songs from links: how yt-dlp is run and read")
struct LinkTests {
    @Test("yt-dlp gets no user config, no playlists, a size cap, our file name and our progress template")
    func arguments() {
        let arguments = YTDLP.arguments(url: "https://example.org/watch?v=1", output: "/data/links", taskID: "t1", maxBytes: 1000, socketTimeoutS: 20)
        #expect(arguments.contains("--ignore-config") && arguments.contains("--no-playlist") && arguments.contains("--no-cache-dir"))
        #expect(arguments.firstIndex(of: "--max-filesize").map { arguments[$0 + 1] } == "1000")
        #expect(arguments.firstIndex(of: "--output").map { arguments[$0 + 1] } == "/data/links/t1.%(ext)s")
        // The URL comes after `--`: a link that starts with a dash is never read as an option.
        #expect(Array(arguments.suffix(2)) == ["--", "https://example.org/watch?v=1"])
    }

    @Test("progress, file and title lines are read; anything else is not")
    func lines() {
        #expect(YTDLP.parse("MBXP 1024 4096 NA 3") == .progress(downloaded: 1024, total: 4096, etaSeconds: 3))
        #expect(YTDLP.parse("MBXP 1024 NA 8192.5 NA") == .progress(downloaded: 1024, total: 8192, etaSeconds: nil))
        #expect(YTDLP.parse("MBXP 1024 NA NA NA") == .progress(downloaded: 1024, total: nil, etaSeconds: nil))
        #expect(YTDLP.parse("MBXP NA NA NA NA") == .other)
        #expect(YTDLP.parse("MBXFILE /data/links/t1.m4a") == .file("/data/links/t1.m4a"))
        #expect(YTDLP.parse("MBXTITLE A Song") == .title("A Song"))
        #expect(YTDLP.parse("[download] 50% of 3MiB") == .other)
    }

    @Test("yt-dlp's last ERROR line becomes the message, with a reason")
    func failures() {
        let notFound = YTDLP.failure(stderr: "WARNING: x\nERROR: [generic] gone: Unable to download webpage: HTTP Error 404: Not Found\n")
        #expect(notFound.code == .downloadFailed && notFound.details["reason"] == "not_found")
        #expect(notFound.message == "Download failed: [generic] gone: Unable to download webpage: HTTP Error 404: Not Found")
        #expect(YTDLP.failure(stderr: "ERROR: Unsupported URL: https://x/").details["reason"] == "unsupported_url")
        #expect(YTDLP.failure(stderr: "").message == "Download failed: yt-dlp stopped without saying why.")
        // Control characters in what a site says do not reach a parent's screen.
        #expect(!YTDLP.failure(stderr: "ERROR: bad\u{1B}[31m red\u{202E}").message.contains("\u{1B}"))
    }

    @Test("a link task's events: every key of the contract present, the requester kept from clients")
    func events() throws {
        var task = LinkTask(playlistID: PlaylistID(), url: "https://x/y", requester: "socket-1", now: 5)
        task.status = .downloading
        task.progressPercent = 12.5
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(task.shown)) as? [String: Any])
        #expect(Set(["task_id", "status", "progress_percent", "current_step", "estimated_time_remaining"]).isSubset(of: json.keys))
        #expect(json["requester"] == nil && json["estimated_time_remaining"] is NSNull && json["status"] as? String == "downloading")
        let stored = try JSONDecoder().decode(LinkTask.self, from: JSONEncoder().encode(task))
        #expect(stored == task)
    }
}

@Suite("Podcasts: each episode keeps its place; a tap plays the newest not heard to its end")
struct PodcastTests {
    /// A playlist following a feed with three downloaded episodes (newest first), and a plain one.
    static func seed(_ store: GRDBLibraryStore) throws -> (podcast: PlaylistDetail, other: PlaylistDetail) {
        try store.database.pool.write { db in
            let podcast = try PlaylistRepository.create(db, title: "Stories", description: "", now: 1)
            try FeedRepository.follow(db, playlist: podcast.id, url: "http://feeds.example/a.xml", keep: 3, now: 1)
            let episodes = (1...3).map { FeedEpisode(guid: "ep-\($0)", title: "Episode \($0)", publishedAt: Int64($0) * 86_400_000, durationMs: 60_000, url: "http://x/\($0).mp3") }
            try FeedRepository.record(db, playlist: podcast.id, episodes: episodes, error: nil, now: 2)
            for episode in episodes {
                let track = try TrackRepository.append(db, .sample(title: episode.title, durationMs: 60_000), to: podcast.id, now: 3)
                try FeedRepository.linkEpisode(db, playlist: podcast.id, guid: episode.guid, track: track.id)
            }
            try TrackRepository.reorder(db, playlist: podcast.id, order: try FeedRepository.newestFirst(db, playlist: podcast.id), now: 4)
            let other = try PlaylistRepository.create(db, title: "Songs", description: "", now: 5)
            _ = try TrackRepository.append(db, .sample(title: "Song", durationMs: 60_000), to: other.id, now: 6)
            return (try PlaylistRepository.detail(db, id: podcast.id)!, try PlaylistRepository.detail(db, id: other.id)!)
        }
    }

    @Test("newest first; the tap plays the newest unfinished episode where it was left, whatever was played last; all heard: the newest from the start")
    func places() async throws {
        var seeded: (podcast: PlaylistDetail, other: PlaylistDetail)!
        let harness = try StateHarness { seeded = try Self.seed($0) }
        let (podcast, other) = seeded!
        #expect(podcast.tracks.map(\.title) == ["Episode 3", "Episode 2", "Episode 1"])
        let manager = harness.manager
        let stories = TagID("04a1b2c3d4")!, songs = TagID("04a1b2c3d5")!
        _ = try await manager.perform(LinkTag(tag: stories, playlistID: podcast.summary.id))
        _ = try await manager.perform(LinkTag(tag: songs, playlistID: other.summary.id))

        #expect(await manager.tag(.placed(stories)).action == .started)
        #expect(await manager.playerState.activeTrack?.title == "Episode 3")
        // Episode 3 heard to its end: on into episode 2, listened to 20 s.
        harness.engine.endCurrentTrack()
        try await waitFor { await manager.playerState.activeTrack?.title == "Episode 2" }
        _ = try await manager.perform(Seek(positionMs: 20_000))
        // Another playlist, then the podcast's tag again: episode 2 at 20 s, not episode 3.
        #expect(await manager.tag(.placed(songs)).action == .started)
        #expect(await manager.tag(.placed(stories)).action == .resumed)
        let resumed = await manager.playerState
        #expect(resumed.activeTrack?.title == "Episode 2" && resumed.positionMs >= 20_000 && resumed.positionMs < 21_000)
        // Jump to episode 1 and leave it at 30 s: episode 2 keeps its own place.
        _ = try await manager.perform(NextTrack())
        _ = try await manager.perform(Seek(positionMs: 30_000))
        _ = try await manager.perform(Pause())
        manager.flushResumePoints()
        let stored = try #require(try harness.store.episodeProgress(in: podcast.summary.id))
        #expect(stored[podcast.tracks[0].id]?.finished == true)
        #expect(stored[podcast.tracks[1].id].map { $0.positionMs >= 20_000 && $0.positionMs < 21_000 && !$0.finished } == true)
        #expect(stored[podcast.tracks[2].id].map { $0.positionMs >= 30_000 && !$0.finished } == true)
        #expect(try harness.store.episodeProgress(in: other.summary.id) == nil)

        // The playlist was left in episode 1; the tap still goes to the newest unfinished one,
        // episode 2, at its own place (a playlist's resume point would say episode 1 at 30 s).
        _ = await manager.tag(.placed(songs))
        #expect(await manager.playerState.activePlaylistID == other.summary.id)
        #expect(await manager.tag(.placed(stories)).action == .resumed)
        let again = await manager.playerState
        #expect(again.activeTrack?.title == "Episode 2" && again.positionMs >= 20_000 && again.positionMs < 21_000)
        // Every episode heard: the newest from its start.
        harness.engine.endCurrentTrack()
        try await waitFor { await manager.playerState.activeTrack?.title == "Episode 1" }
        harness.engine.endCurrentTrack()
        try await waitFor { await manager.playerState.status == .stopped }
        _ = await manager.tag(.placed(songs))
        #expect(await manager.tag(.placed(stories)).action == .started)
        let over = await manager.playerState
        #expect(over.activeTrack?.title == "Episode 3" && over.positionMs < 1000)
    }
}

@Suite("Podcasts: feeds read by Expat, RSS and Atom")
struct FeedDocumentTests {
    @Test("RSS items become episodes: guid, RFC 822 date, itunes:duration in any prefix, audio enclosure, titles cleaned, duplicates once")
    func rss() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:it="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:media="http://search.yahoo.com/mrss/">
            <channel><title>Kids &amp; Stories</title><image><title>not the title</title></image>
            <item><title>Episode 3:\u{202E} The <![CDATA[Moon]]></title><guid isPermaLink="false">ep-3</guid>
              <pubDate>Wed, 02 Dec 2026 08:00:00 +0000</pubDate><it:duration>1:02:03</it:duration>
              <enclosure url="http://127.0.0.1:1/cover.jpg" type="image/jpeg"/>
              <enclosure url="http://127.0.0.1:1/ep3.mp3" type="audio/mpeg" length="1"/></item>
            <item><pubDate>Tue, 1 Dec 26 09:30 EST</pubDate><it:duration>4.5</it:duration>
              <media:content url="http://127.0.0.1:1/ep2.m4a" type="audio/mp4"/></item>
            <item><title>the same again</title><enclosure url="http://127.0.0.1:1/ep2.m4a" type="audio/mp4"/></item>
            <item><title>not for us</title><enclosure url="file:///etc/passwd" type="audio/mpeg"/></item>
            <item><title>no audio</title></item>
            </channel></rss>
            """
        let feed = try FeedDocument.parse(Array(xml.utf8))
        #expect(feed.title == "Kids & Stories")
        #expect(feed.episodes.count == 2)
        #expect(feed.episodes[0] == FeedEpisode(guid: "ep-3", title: "Episode 3: The Moon", publishedAt: 1_796_198_400_000, durationMs: 3_723_000,
                                                url: "http://127.0.0.1:1/ep3.mp3"))
        let second = feed.episodes[1]
        #expect(second.guid == "http://127.0.0.1:1/ep2.m4a" && second.title == "ep2.m4a" && second.durationMs == 4500)
        #expect(second.publishedAt == 1_796_135_400_000)  // 09:30 EST = 14:30 UTC
    }

    @Test("Atom entries: id, published (else updated) in RFC 3339, link rel=enclosure; the feed's own title")
    func atom() throws {
        let xml = """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
              <title type="text">Atom Tales</title><updated>2026-12-02T08:00:00Z</updated>
              <entry><title>Tale two</title><id>urn:uuid:2</id><updated>2026-12-02T09:00:00.250+01:00</updated>
                <link rel="alternate" href="http://127.0.0.1:1/page"/><link rel="enclosure" href="http://127.0.0.1:1/t2.ogg" type="audio/ogg"/>
                <itunes:duration>90</itunes:duration></entry>
              <entry><title>Tale one</title><id>urn:uuid:1</id><published>2026-11-30T08:00:00Z</published><updated>2026-12-01T08:00:00Z</updated>
                <link rel="enclosure" href="http://127.0.0.1:1/t1.mp3"/></entry>
            </feed>
            """
        let feed = try FeedDocument.parse(Array(xml.utf8))
        #expect(feed.title == "Atom Tales")
        #expect(feed.episodes == [
            FeedEpisode(guid: "urn:uuid:2", title: "Tale two", publishedAt: 1_796_198_400_250, durationMs: 90_000, url: "http://127.0.0.1:1/t2.ogg"),
            FeedEpisode(guid: "urn:uuid:1", title: "Tale one", publishedAt: 1_796_025_600_000, durationMs: nil, url: "http://127.0.0.1:1/t1.mp3"),
        ])
    }

    @Test("what is no feed is not_a_feed: HTML, broken XML, a feed without audio, declared entities (no expansion)")
    func refusals() {
        let documents = [
            "<html><body>this is not a feed</body></html>",
            "<rss><channel><item><title>cut off",
            "<rss><channel><title>empty</title><item><title>no audio</title></item></channel></rss>",
            """
            <?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <rss><channel><item><title>&b;</title><enclosure url="http://127.0.0.1:1/x.mp3" type="audio/mpeg"/></item></channel></rss>
            """,
            "",
        ]
        for document in documents {
            do {
                let feed = try FeedDocument.parse(Array(document.utf8))
                Issue.record("read as a feed: \(document.prefix(40)) -> \(feed)")
            } catch {
                #expect(error.code == .downloadFailed && error.details["reason"] == "not_a_feed", "\(document.prefix(40)): \(error)")
            }
        }
    }

    @Test("dates and lengths as feeds write them; nonsense is nil")
    func values() {
        #expect(FeedValues.date("Thu, 03 Dec 2026 08:00:00 GMT") == 1_796_284_800_000)
        #expect(FeedValues.date("03 Dec 2026 10:00 +0200") == 1_796_284_800_000)
        #expect(FeedValues.date("2026-12-03T08:00:00Z") == 1_796_284_800_000)
        #expect(FeedValues.date("2026-12-03T03:00:00-05:00") == 1_796_284_800_000)
        #expect(FeedValues.date("1970-01-01T00:00:00Z") == 0)
        #expect(FeedValues.date("2000-02-29T12:00:00Z") == 951_825_600_000)
        #expect(FeedValues.date("yesterday") == nil)
        #expect(FeedValues.date("Thu, 32 Dec 2026 08:00:00 GMT") == nil)
        #expect(FeedValues.durationMs("62:03") == 3_723_000)
        #expect(FeedValues.durationMs("3723") == 3_723_000)
        #expect(FeedValues.durationMs("1:75:00") == nil)
        #expect(FeedValues.durationMs("") == nil && FeedValues.durationMs("soon") == nil && FeedValues.durationMs("-5") == nil)
    }
}

@Suite("HLS timed metadata: an ID3 tag's title and artist")
struct ID3TagTests {
    static func syncsafe(_ n: Int) -> [UInt8] { [UInt8(n >> 21 & 0x7F), UInt8(n >> 14 & 0x7F), UInt8(n >> 7 & 0x7F), UInt8(n & 0x7F)] }

    static func frame(_ id: String, _ body: [UInt8], version: Int = 4) -> [UInt8] {
        let size = version == 4 ? syncsafe(body.count) : [0, 0, UInt8(body.count >> 8), UInt8(body.count & 0xFF)]
        return Array(id.utf8) + size + [0, 0] + body
    }

    static func tag(_ frames: [UInt8], version: UInt8 = 4) -> [UInt8] {
        Array("ID3".utf8) + [version, 0, 0] + syncsafe(frames.count) + frames
    }

    @Test("a whole tag and the demuxer's form without its first 5 bytes give the same title; v2.3 sizes; every text encoding")
    func titles() {
        let frames = Self.frame("PRIV", Array("com.apple.streaming.transportStreamTimestamp\0".utf8) + [0, 0, 0, 0, 0, 0, 0, 1])
            + Self.frame("TIT2", [3] + Array("Moon Song".utf8)) + Self.frame("TPE1", [0] + [0x4C, 0xE9, 0x61])  // "Léa" in Latin-1
        let whole = Self.tag(frames)
        #expect(ID3Tag.streamTitle(whole) == "Léa - Moon Song")
        #expect(ID3Tag.streamTitle(Array(whole.dropFirst(5))) == "Léa - Moon Song")
        // v2.3: plain sizes; a frame over 127 bytes tells them apart.
        let long = String(repeating: "la ", count: 60)
        let v23 = Self.tag(Self.frame("TIT2", [3] + Array(long.utf8), version: 3), version: 3)
        #expect(ID3Tag.streamTitle(v23) == long.trimmingCharacters(in: .whitespaces))
        #expect(ID3Tag.streamTitle(Array(v23.dropFirst(5))) == long.trimmingCharacters(in: .whitespaces))
        let utf16 = Self.tag(Self.frame("TIT2", [1, 0xFF, 0xFE] + Array("Sun".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))
        #expect(ID3Tag.streamTitle(utf16) == "Sun")
        let utf16be = Self.tag(Self.frame("TIT2", [2] + Array("Sky\u{7}".utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }))
        #expect(ID3Tag.streamTitle(utf16be) == "Sky")
    }

    @Test("no title, broken sizes and other bytes are nil")
    func nothing() {
        #expect(ID3Tag.streamTitle(Self.tag(Self.frame("PRIV", [1, 2, 3]))) == nil)
        #expect(ID3Tag.streamTitle(Self.tag(Array("TIT2".utf8) + Self.syncsafe(500) + [0, 0, 3, 0x41])) == nil)
        #expect(ID3Tag.streamTitle([]) == nil && ID3Tag.streamTitle([0xFF, 0xF1, 0x50, 0x80, 0x02]) == nil)
    }
}

@Suite("MQTT: the topic layout")
struct MQTTTopicsTests {
    @Test("only <base>/cmd/<name> is a command; cmd/result, nested and foreign topics are not; host names become safe ids")
    func commands() {
        let topics = MQTTTopics(base: "musicbox/kitchen")
        #expect(topics.commandName(of: "musicbox/kitchen/cmd/volume") == "volume")
        #expect(topics.commandName(of: "musicbox/kitchen/cmd/result") == nil)
        #expect(topics.commandName(of: "musicbox/kitchen/cmd/") == nil)
        #expect(topics.commandName(of: "musicbox/kitchen/cmd/a/b") == nil)
        #expect(topics.commandName(of: "musicbox/other/cmd/play") == nil)
        #expect(topics.commandName(of: "musicbox/kitchen/volume") == nil)
        #expect(MQTTTopics.node("Kitchen Box.local") == "kitchen_box_local")
        #expect(MQTTTopics.node("") == "box")
    }
}
