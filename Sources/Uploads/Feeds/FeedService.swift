import Foundation
import Logging
import MusicBoxCore
import ServiceLifecycle

/// Podcasts: a playlist follows a feed (RSS or Atom, read by ``FeedDocument``); the box keeps
/// the newest ``FeedState/keep`` episodes downloaded (by a ``WebFetcher``: FFmpeg's http and
/// https, no yt-dlp needed), each checked and added like an upload, the playlist's episodes
/// newest first.
///
/// - Following a feed reads it at once (a wrong address is said to the parent); the downloads
///   then run in the background, one episode at a time.
/// - Every ``refreshInterval`` (a setting) and on demand, each followed feed is read again: new
///   episodes are listed and downloaded. A feed that fails keeps the episodes it had, and says
///   why (`error`).
/// - Nothing here runs on the state manager or an event loop: fetches run on threads of their
///   own, files are checked on the blocking pool, and rows change only through commands.
public actor FeedService: Service {
    private let directory: URL
    private let limits: LinkImportService.Limits
    private let refreshInterval: Duration
    private let state: StateManager
    private let library: any LibraryStore
    private let probe: any AudioProbe
    private let fetcher: any WebFetcher
    private let io: BlockingIO
    private let logger: Logger
    /// Playlists whose feed is being read or downloaded now (one run per playlist at a time).
    private var busy: Set<PlaylistID> = []

    public init(directory: URL, limits: LinkImportService.Limits, refreshInterval: Duration, state: StateManager, library: any LibraryStore,
                probe: any AudioProbe, fetcher: any WebFetcher, io: BlockingIO = BlockingIO(), logger: Logger) throws {
        self.directory = directory
        self.limits = limits
        self.refreshInterval = refreshInterval
        self.state = state
        self.library = library
        self.probe = probe
        self.fetcher = fetcher
        self.io = io
        self.logger = logger
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Downloads a previous run left half done.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    // MARK: Following

    /// Reads the feed; when it lists episodes, the playlist follows it and the newest `keep`
    /// start downloading. Returns the feed as stored.
    public func follow(playlistID: PlaylistID, url: String, keep: Int) async throws(BoxError) -> FeedState {
        let url = try StreamURL.check(url)
        guard FollowFeed.keepRange.contains(keep) else {
            throw BoxError.validation(field: "keep", "keep must be from \(FollowFeed.keepRange.lowerBound) to \(FollowFeed.keepRange.upperBound) episodes.")
        }
        guard await state.hasPlaylist(playlistID) else { throw BoxError.playlistNotFound(playlistID) }
        let episodes = try await read(url)
        _ = try await state.perform(FollowFeed(playlistID: playlistID, url: url, keep: keep))
        _ = try await state.perform(RecordFeedCheck(playlistID: playlistID, episodes: episodes, error: nil))
        logger.info("playlist \(playlistID) follows \(StreamURL.shown(url)): \(episodes.count) episode(s)")
        startDownloads(playlistID)
        return try await stored(playlistID)
    }

    public func unfollow(playlistID: PlaylistID) async throws(BoxError) {
        _ = try await state.perform(UnfollowFeed(playlistID: playlistID))
    }

    /// Reads the feed again now; new episodes download in the background. A failure is stored
    /// (the old episodes stay) and returned in the feed's `error`.
    public func refresh(playlistID: PlaylistID) async throws(BoxError) -> FeedState {
        let feed = try await stored(playlistID)
        await look(feed)
        startDownloads(playlistID)
        return try await stored(playlistID)
    }

    private func stored(_ playlistID: PlaylistID) async throws(BoxError) -> FeedState {
        let feed: FeedState?
        do {
            feed = try await library.feed(for: playlistID)
        } catch {
            throw BoxError(.storageError, "The podcast could not be read from the library.")
        }
        guard let feed else { throw BoxError(.notFound, "The playlist follows no podcast.", details: ["playlist_id": playlistID.description]) }
        return feed
    }

    /// Reads a followed feed and records what it found or why it failed.
    private func look(_ feed: FeedState) async {
        do throws(BoxError) {
            let episodes = try await read(feed.url)
            _ = try await state.perform(RecordFeedCheck(playlistID: feed.playlistID, episodes: episodes, error: nil))
        } catch {
            logger.notice("podcast of playlist \(feed.playlistID): \(error.message) (its episodes stay)")
            _ = try? await state.perform(RecordFeedCheck(playlistID: feed.playlistID, episodes: nil, error: error.message))
        }
    }

    /// The largest feed document read (a daily podcast's full history is a few MB).
    static let maxFeedBytes = 8 << 20

    /// The feed's episodes, fetched and parsed on a thread of its own.
    private func read(_ url: String) async throws(BoxError) -> [FeedEpisode] {
        let fetcher = self.fetcher
        let result = await Self.onThread("musicboxd.feeds.read") { cancelled in
            Result { () throws(BoxError) in try FeedDocument.parse(fetcher.fetch(url, maxBytes: Self.maxFeedBytes, cancelled: cancelled)) }
        }
        return try result.get().episodes
    }

    /// Runs blocking `work` on a new thread; cancelling the task tells `work` through its argument.
    private static func onThread<T: Sendable>(_ name: String, _ work: @escaping @Sendable (@escaping @Sendable () -> Bool) -> T) async -> T {
        let flag = CancelFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread { continuation.resume(returning: work { flag.isSet }) }
                thread.name = name
                thread.start()
            }
        } onCancel: {
            flag.set()
        }
    }

    // MARK: Downloads

    private func startDownloads(_ playlistID: PlaylistID) {
        guard busy.insert(playlistID).inserted else { return }
        Task { await self.downloadMissing(playlistID) }
    }

    /// Downloads the newest episodes not downloaded yet, one at a time, until `keep` are; then
    /// removes the downloaded ones older than those (the SD card does not fill up with a daily
    /// podcast), except the one playing now.
    private func downloadMissing(_ playlistID: PlaylistID) async {
        defer { busy.remove(playlistID) }
        while let feed = try? await library.feed(for: playlistID), let next = feed.toDownload.first {
            do throws(BoxError) {
                try await download(next.episode, into: playlistID)
            } catch {
                logger.notice("podcast episode \(next.episode.title): \(error.message)")
                _ = try? await state.perform(RecordFeedCheck(playlistID: playlistID, episodes: nil, error: "\(next.episode.title): \(error.message)"))
                return
            }
        }
        guard let feed = try? await library.feed(for: playlistID) else { return }
        let playing = await state.playerState.activeTrack?.id
        let old = feed.episodes.dropFirst(feed.keep).compactMap(\.trackID).filter { $0 != playing }
        guard !old.isEmpty else { return }
        do {
            _ = try await state.perform(DeleteTracks(playlistID: playlistID, trackIDs: old))
            logger.info("podcast of playlist \(playlistID): \(old.count) older episode(s) removed (keeping \(feed.keep))")
        } catch {
            logger.notice("podcast of playlist \(playlistID): older episodes not removed: \(error)")
        }
    }

    private func download(_ episode: FeedEpisode, into playlistID: PlaylistID) async throws(BoxError) {
        let file = directory.appendingPathComponent(UUID().uuidString.lowercased() + Self.fileExtension(episode.url)).path
        let fetcher = self.fetcher
        let maxBytes = limits.maxBytes
        let saved = await Self.onThread("musicboxd.feeds.download") { cancelled in
            Result { () throws(BoxError) in try fetcher.save(episode.url, to: file, maxBytes: maxBytes, cancelled: cancelled) }
        }
        defer { try? FileManager.default.removeItem(atPath: file) }
        _ = try saved.get()
        // The feed's title: it names the episode as the podcast does (a file's tag often just the show).
        let new = try await FetchedFile.track(at: file, what: "episode", probe: probe, maxDurationMs: limits.maxDurationMs, io: io) { _ in
            episode.title
        }
        let track = try await state.perform(AddEpisode(playlistID: playlistID, guid: episode.guid, track: new, stagedFile: file)).value
        logger.info("podcast episode \(episode.title) added to playlist \(playlistID) as track \(track.id) (\(new.durationMs) ms)")
    }

    // MARK: Service

    /// Reads every followed feed every ``refreshInterval`` until the daemon stops.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: self.refreshInterval)
                    await self.refreshAll()
                }
            }
        } catch is CancellationError {}
    }

    private func refreshAll() async {
        guard let playlists = try? await library.followedFeeds() else { return }
        for playlistID in playlists where !busy.contains(playlistID) {
            guard let feed = try? await library.feed(for: playlistID) else { continue }
            await look(feed)
            startDownloads(playlistID)
        }
    }

    /// The episode's file name ending (`.mp3`), from its address; none when it names none.
    static func fileExtension(_ url: String) -> String {
        guard let path = URL(string: url)?.path, let dot = path.lastIndex(of: "."), path.distance(from: dot, to: path.endIndex) <= 6 else { return "" }
        let ending = path[path.index(after: dot)...].lowercased()
        return ending.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) && !ending.isEmpty ? "." + ending : ""
    }
}

/// Set once, read from another thread.
private final class CancelFlag: @unchecked Sendable {
    // @unchecked: `value` is guarded by `lock`.
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
