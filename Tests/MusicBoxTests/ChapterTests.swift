@_spi(Simulation) import Audio
import Foundation
import GRDB
import MediaLibrary
@_spi(Simulation) import MusicBoxCore
import Testing

@Suite("Audiobook chapters")
struct ChapterTests {
    static func chapter(_ title: String?, _ start: Int64, _ end: Int64 = 0) -> Chapter { Chapter(title: title, startMs: start, endMs: end) }

    @Test("what a file states is mended: sorted, no overlaps, no tiny or out-of-file ones, the first from 0, titles cleaned")
    func kept() {
        let stated = [
            Self.chapter("Drei", 9000, 12_000), Self.chapter("One\u{202E}", 200, 4000), Self.chapter(nil, 4000, 3000),
            Self.chapter("Two", 4100, 9000),  // within 500 ms of the one before: a marker, its title taken
            Self.chapter("Past the end", 30_000, 40_000), Self.chapter("At the very end", 11_800, 12_000),
        ]
        let kept = Chapters.kept(stated, durationMs: 12_000)
        #expect(kept == [Self.chapter("One", 0, 4000), Self.chapter("Two", 4000, 9000), Self.chapter("Drei", 9000, 12_000)])
        // One chapter over the whole file, or none: no chapters.
        #expect(Chapters.kept([Self.chapter("All", 0, 12_000)], durationMs: 12_000).isEmpty)
        #expect(Chapters.kept(stated, durationMs: 0).isEmpty)
        // A file claiming a chapter every second for hours is cut at the limit.
        let many = (0..<5000).map { Self.chapter("c\($0)", Int64($0) * 1000, Int64($0 + 1) * 1000) }
        #expect(Chapters.kept(many, durationMs: 5_000_000).count == Chapters.maximumCount)
    }

    @Test("which chapter a position is in, and where next and previous go inside the file")
    func navigation() {
        let chapters = Chapters.kept([Self.chapter("a", 0), Self.chapter("b", 10_000), Self.chapter("c", 20_000)], durationMs: 30_000)
        #expect(Chapters.index(in: chapters, at: 0) == 0 && Chapters.index(in: chapters, at: 9_999) == 0)
        #expect(Chapters.index(in: chapters, at: 10_000) == 1 && Chapters.index(in: chapters, at: 29_000) == 2)
        #expect(Chapters.index(in: [], at: 5) == nil)
        #expect(Chapters.next(in: chapters, from: 5000) == 10_000 && Chapters.next(in: chapters, from: 20_000) == nil)
        // More than 3 s into a chapter: its start; within 3 s: the one before; early in the first: the file's business.
        #expect(Chapters.previous(in: chapters, from: 15_000) == 10_000)
        #expect(Chapters.previous(in: chapters, from: 12_000) == 0)
        #expect(Chapters.previous(in: chapters, from: 2000) == nil && Chapters.previous(in: chapters, from: 5000) == 0)
    }

    static func audiobook(_ store: GRDBLibraryStore) throws -> PlaylistDetail {
        try store.database.pool.write { db in
            let playlist = try PlaylistRepository.create(db, title: "Book", description: "", now: 1)
            var book = NewTrack.sample(title: "Part 1", durationMs: 30_000)
            book.chapters = Chapters.kept([chapter("Arrival", 0), chapter(nil, 10_000), chapter("Storm", 20_000)], durationMs: 30_000)
            _ = try TrackRepository.append(db, book, to: playlist.id, now: 1)
            _ = try TrackRepository.append(db, .sample(title: "Part 2", durationMs: 30_000), to: playlist.id, now: 1)
            return try PlaylistRepository.detail(db, id: playlist.id)!
        }
    }

    @Test("chapters are stored with the track and next/previous jump them through the state manager, across files too")
    func nextAndPrevious() async throws {
        var book: PlaylistDetail!
        let harness = try StateHarness { book = try Self.audiobook($0) }
        let manager = harness.manager
        #expect(book.tracks[0].chapters.count == 3 && book.tracks[0].chapters[2].title == "Storm" && book.tracks[1].chapters.isEmpty)
        // Encoded for clients with every key, an untitled chapter as null.
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(book.tracks[0])) as? [String: Any])
        let chapters = try #require(json["chapters"] as? [[String: Any]])
        #expect(chapters.count == 3 && chapters[1]["title"] is NSNull && chapters[1]["start_ms"] as? Int == 10_000)

        let playing = try await manager.perform(PlayPlaylist(playlistID: book.summary.id)).value
        #expect(playing.chapter == ChapterPlace(book.tracks[0].chapters, index: 0))
        let second = try await manager.perform(NextTrack()).value
        #expect(second.trackIndex == 0 && second.chapter?.index == 1 && second.positionMs >= 10_000 && second.positionMs < 11_000)
        #expect(harness.engine.position() >= 10_000)
        let third = try await manager.perform(NextTrack()).value
        #expect(third.chapter?.index == 2 && third.chapter?.title == "Storm" && third.canNext)
        // From the last chapter, next is the next file, which has no chapters.
        let part2 = try await manager.perform(NextTrack()).value
        #expect(part2.trackIndex == 1 && part2.chapter == nil && part2.positionMs < 1000)
        // Early in a file, previous goes to the previous file's last chapter.
        let back = try await manager.perform(PreviousTrack()).value
        #expect(back.trackIndex == 0 && back.chapter?.index == 2 && back.positionMs >= 20_000 && back.positionMs < 21_000)
        let chapterBefore = try await manager.perform(PreviousTrack()).value
        #expect(chapterBefore.chapter?.index == 1 && chapterBefore.positionMs < 11_000)
        _ = try await manager.perform(Seek(positionMs: 15_000))
        let restarted = try await manager.perform(PreviousTrack()).value
        #expect(restarted.chapter?.index == 1 && restarted.positionMs >= 10_000 && restarted.positionMs < 11_000)

        // Paused in a chapter: the playlist's page says where its tag continues, chapter and all.
        _ = try await manager.perform(Seek(positionMs: 22_000))
        _ = try await manager.perform(Pause())
        let place = try #require(await manager.continuePlace(of: book.summary.id))
        #expect(place.trackIndex == 0 && place.chapter?.index == 2 && place.chapter?.title == "Storm" && place.positionMs >= 22_000)
    }

    @Test("playing on into the next chapter publishes state:player with it, and can_next ends with the last chapter")
    func playingOnIntoAChapter() async throws {
        var book: PlaylistDetail!
        // The watch waits in real time, as a listener hears: start half a second before a chapter.
        let harness = try StateHarness { store in
            book = try store.database.pool.write { db in
                let playlist = try PlaylistRepository.create(db, title: "Book", description: "", now: 1)
                var file = NewTrack.sample(title: "Whole book", durationMs: 30_000)
                file.chapters = Chapters.kept([Self.chapter("a", 0), Self.chapter("b", 10_000), Self.chapter("c", 20_000)], durationMs: 30_000)
                _ = try TrackRepository.append(db, file, to: playlist.id, now: 1)
                return try PlaylistRepository.detail(db, id: playlist.id)!
            }
        }
        let manager = harness.manager
        let started = try await manager.perform(PlayPlaylist(playlistID: book.summary.id, positionMs: 9500)).value
        #expect(started.chapter?.index == 0 && started.canNext)
        func chapters() -> [Int?] {
            harness.recorder.sequenced.compactMap { event -> PlayerState? in
                if case .player(let state) = event.payload { return state }
                return nil
            }.map { $0.chapter?.index }
        }
        var deadline = Date().addingTimeInterval(5)
        while !chapters().contains(1), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        // Not before the chapter is heard (how soon after is the paced-device test's to measure).
        let reached = harness.recorder.sequenced.compactMap { event -> PlayerState? in
            if case .player(let state) = event.payload { return state }
            return nil
        }.first { $0.chapter?.index == 1 }
        #expect((reached?.positionMs ?? 0) >= 10_000)
        _ = try await manager.perform(Seek(positionMs: 19_500))
        deadline = Date().addingTimeInterval(5)
        while !chapters().contains(2), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(chapters().suffix(3) == [1, 1, 2])  // reached, sought (same chapter, a new position), reached
        let last = try #require(harness.recorder.sequenced.last { $0.type == .player })
        guard case .player(let state) = last.payload else { return }
        #expect(state.chapter?.index == 2 && !state.canNext && state.positionMs >= 20_000)
        await #expect(throws: BoxError.self) { try await manager.perform(NextTrack()) }
    }

    @Test("FFmpeg reads M4B chapter lists and MP3 CHAP frames at probe time", arguments: ["m4b", "mp3"])
    func probe(_ ext: String) throws {
        let dir = try TemporaryDirectory()
        let metadata = dir.file("chapters.txt")
        try Data("""
        ;FFMETADATA1
        [CHAPTER]
        TIMEBASE=1/1000
        START=0
        END=1500
        title=Erstes Kapitel
        [CHAPTER]
        TIMEBASE=1/1000
        START=1500
        END=3000
        title=Second
        [CHAPTER]
        TIMEBASE=1/1000
        START=3000
        END=4000

        """.utf8).write(to: metadata)
        let file = dir.file("book.\(ext)")
        let codec = ext == "mp3" ? ["-c:a", "libmp3lame"] : ["-c:a", "aac"]
        try AudioDecodingTests.run("/usr/bin/ffmpeg", [
            "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=4:sample_rate=44100",
            "-i", metadata.path, "-map", "0:a", "-map_chapters", "1",
        ] + codec + [file.path])
        if ext == "mp3" { #expect(try Data(contentsOf: file).range(of: Data("CHAP".utf8)) != nil) }
        let probed = try FFmpegAudioProbe(decodeSeconds: 1).probe(path: file.path)
        #expect(probed.chapters.map(\.title) == ["Erstes Kapitel", "Second", nil])
        #expect(probed.chapters.map(\.startMs) == [0, 1500, 3000])
        #expect(probed.chapters.last?.endMs == probed.metadata.durationMs)
        // A plain file has none.
        let plain = try AudioDecodingTests.makeTone(AudioDecodingTests.tones[1], in: dir)
        #expect(try FFmpegAudioProbe(decodeSeconds: 1).probe(path: plain.path).chapters.isEmpty)
    }
}
