import Foundation
import Logging
import Synchronization

/// The single writer of box state.
///
/// Every command, from any source, enters through ``perform(_:clientOpID:)``. The manager runs it
/// to the end before the next one starts (no `await` inside a command), numbers each change it
/// made (`server_seq` global, gap-free, from 1 each boot; `playlist_seq` per playlist), applies it
/// to its in-memory view, logs the resulting events and hands them to the ``EventPublisher`` —
/// all in the same turn, so every client sees changes in commit order. A failed command changes
/// nothing and takes no number.
///
/// Joins and sync requests also run here, so a snapshot and the events after it line up exactly.
public actor StateManager {
    /// Random per boot: clients compare it to notice a restart, after which sequence numbers start again.
    public nonisolated let serverEpoch: String
    public nonisolated let eventIDs: EventIDs

    let executor: DedicatedQueueExecutor
    let store: any LibraryStore
    let engine: any PlaybackEngine
    let publisher: any EventPublisher
    let ticker: PositionTicker
    /// Persists the resume decisions behind the manager (see ``ResumeWriter``).
    let resumeWriter: ResumeWriter
    /// The latest resume decision per playlist this boot: what a tap resumes from, whether or not
    /// the writer has put it on disk yet.
    var resumeDecisions: [PlaylistID: ResumeDecision] = [:]
    /// The latest place of each podcast episode this boot (written behind like resume points).
    var episodePlaces: [TrackID: EpisodeProgress] = [:]
    /// The manager's own loops (engine reports, the clock checks), ended by ``shutdown()``.
    let loops = Mutex<[Task<Void, Never>]>([])
    let clock: WallClock
    let logger: Logger

    var serverSeq: UInt64 = 0
    var playlistSeqs: [PlaylistID: UInt64] = [:]
    var library: LibraryView
    var player: Player
    var log: EventLog
    var journal: OperationJournal
    let options: Options
    /// The association session, while one is open.
    var association: AssociationStatus?
    /// Runs while a sleep timer is set: fades out and stops on time (see ``SleepFade``).
    var sleepWatch: Task<Void, Never>?
    /// Wakes when the next chapter of the playing file is due (``watchChapter()``).
    var chapterWatch: Task<Void, Never>?
    var sleepFade = SleepFade()
    /// The parents' quiet-hours window, read at start and after each settings change.
    var quietHours: QuietHours
    /// The `playback_requires_token` setting, kept here so that guarding a play request reads no disk.
    public private(set) var playbackRequiresToken: Bool
    /// Which feedback sounds play, and how loud (the parents' settings kept here, so deciding reads no disk).
    var feedback: FeedbackGate
    /// Today's listening against the parents' daily limit (counted on the clock checks).
    var dailyLimit: DailyLimit
    /// When today's count was last handed to the writer.
    var listeningSavedAt: EpochMillis = 0
    /// Which buttons the toddler lock holds (the parents' setting, kept here like the others).
    var toddlerLockMode = ToddlerLock.Mode.all
    /// The command tags by tag, read at start and after each change of them.
    var commandTags: [TagID: TagCommand] = [:]
    /// Switches the box off when a command tag asks (set by the daemon; `nil`: not set up).
    let powerOff = Mutex<(@Sendable () async throws -> Void)?>(nil)

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public struct Options: Sendable {
        /// Sequenced events kept for `sync:request` replay (the contract asks for at least 1000).
        public var eventLogCapacity = 1000
        /// How long a `client_op_id` is remembered (5 minutes by the contract).
        public var operationLifetime: Duration = .seconds(300)
        public var operationCapacity = 10_000
        public var positionInterval = PositionTicker.interval
        /// While playing, where the listener is is saved this often (a power cut loses at most this).
        public var resumeSaveInterval: Duration = .seconds(10)
        /// How often the clock is checked for the quiet-hours window.
        public var quietHoursCheckInterval: Duration = .seconds(1)
        /// Whether the box plays feedback sounds at all (`audio.feedback_sounds`); when it does,
        /// the parents' setting decides.
        public var feedbackSounds = true
        public init() {}
    }

    /// Loads the library into memory and starts the position ticker.
    public init(
        store: any LibraryStore, engine: any PlaybackEngine, publisher: any EventPublisher,
        options: Options = Options(), clock: WallClock = .system, logger: Logger = Logger(label: "musicboxd.state")
    ) throws {
        executor = DedicatedQueueExecutor(label: "musicboxd.state")
        self.store = store
        self.engine = engine
        self.publisher = publisher
        self.clock = clock
        self.logger = logger
        self.options = options
        let epoch = String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))
        serverEpoch = epoch
        eventIDs = EventIDs(epoch: epoch)
        library = LibraryView(try store.loadLibrary())
        log = EventLog(capacity: max(1, options.eventLogCapacity))
        journal = OperationJournal(lifetime: options.operationLifetime, capacity: options.operationCapacity)
        resumeWriter = ResumeWriter(store: store, logger: logger)
        ticker = PositionTicker(engine: engine, publisher: publisher, ids: eventIDs, clock: clock, interval: options.positionInterval)
        // The parents' volume settings; a damaged value falls back to the default rather than stopping the box.
        var initialPlayer = Player()
        initialPlayer.maxVolume = (try? store.setting(BoxSettings.maxVolume)) ?? BoxSettings.maxVolume.defaultValue
        initialPlayer.parentMinVolume = (try? store.setting(BoxSettings.minVolume)) ?? 0
        initialPlayer.toddlerLocked = (try? store.setting(BoxSettings.toddlerLock)) ?? false
        initialPlayer.silentSince = clock.millis
        let startup = (try? store.setting(BoxSettings.startupVolume)) ?? BoxSettings.startupVolume.defaultValue
        quietHours = QuietHours.load(store)
        dailyLimit = DailyLimit(
            limitMs: Int64((try? store.setting(BoxSettings.dailyLimitMinutes)) ?? 0) * 60_000,
            today: ((try? store.setting(BoxSettings.listeningToday)) ?? nil) ?? ListeningDay(day: DailyLimit.dayKey(clock.now()))
        )
        dailyLimit.tick(playing: false, at: clock.now())
        initialPlayer.dailyLimitReached = dailyLimit.reached
        playbackRequiresToken = (try? store.setting(BoxSettings.playbackRequiresToken)) ?? false
        feedback = FeedbackGate(boxAllows: options.feedbackSounds, sounds: FeedbackSounds.load(store))
        if quietHours.isActive(at: clock.now()) { initialPlayer.quietCap = quietHours.maxVolume }
        initialPlayer.volume = initialPlayer.allowedVolume(startup)
        if initialPlayer.quietCap != nil, initialPlayer.volume < min(startup, initialPlayer.parentMaxVolume) {
            // Started in the window: the morning gets the start-up volume, not the quiet cap.
            initialPlayer.quietVolume = QuietVolume(before: min(startup, initialPlayer.parentMaxVolume), loweredTo: initialPlayer.volume)
        }
        player = initialPlayer
        engine.setVolume(initialPlayer.volume, muted: initialPlayer.muted)
        toddlerLockMode = Self.lockMode(store)
        commandTags = Self.commandTags(store, logger: logger)
        ticker.start()
        // Reports are handled one at a time, in the order the engine sent them.
        let (reports, reporter) = AsyncStream.makeStream(of: PlaybackReport.self)
        engine.setReportHandler { reporter.yield($0) }
        let handler = Task { [weak self] in
            for await report in reports {
                guard let self else { return }
                await self.handle(report)
            }
        }
        let clockChecks = Self.every(options.quietHoursCheckInterval, self) { await $0.checkClock() }
        let resumeSaves = Self.every(options.resumeSaveInterval, self) { await $0.saveWhilePlaying() }
        loops.withLock { $0 = [handler, clockChecks, resumeSaves] }
    }

    /// Runs `tick` on the manager every `interval` for as long as the manager lives (or until
    /// ``shutdown()``).
    static func every(
        _ interval: Duration, _ manager: StateManager, _ tick: @escaping @Sendable (StateManager) async -> Void
    ) -> Task<Void, Never> {
        Task { [weak manager] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, let manager else { return }
                await tick(manager)
            }
        }
    }

    /// Stops the position ticker's thread and the manager's loops, and waits until every resume
    /// point decided so far is on disk.
    public nonisolated func shutdown() {
        ticker.shutdown()
        for loop in loops.withLock({ $0 }) { loop.cancel() }
        resumeWriter.flush()
    }

    /// Waits until every resume point decided so far is on disk (tests; ``shutdown()`` does it too).
    public nonisolated func flushResumePoints() { resumeWriter.flush() }

    deinit {
        ticker.shutdown()
        for loop in loops.withLock({ $0 }) { loop.cancel() }
    }

    // MARK: Reading where things stand

    /// The number of the last committed change (0 before the first).
    public var currentServerSeq: UInt64 { serverSeq }

    /// The number of the last committed change of one playlist (0 before the first this boot).
    public func playlistSeq(_ id: PlaylistID) -> UInt64 { playlistSeqs[id] ?? 0 }

    public var playerState: PlayerState { livePlayerState }

    /// The settings in effect.
    public func settings() throws(BoxError) -> SettingsSnapshot {
        do {
            return try SettingsSnapshot.current(store, player: player)
        } catch {
            logger.error("reading settings failed: \(error)")
            throw BoxError(.storageError, "The box could not read its settings.")
        }
    }

    /// Whether a button's action goes through the toddler lock now.
    public func buttonAllowed(_ action: ControlAction) -> Bool {
        ToddlerLock.allows(action, locked: player.toddlerLocked, mode: toddlerLockMode)
    }

    /// What switches the box off when a command tag asks (the daemon's power-off path).
    public nonisolated func setPowerOff(_ handler: @escaping @Sendable () async throws -> Void) { powerOff.withLock { $0 = handler } }

    /// The command tags, oldest first.
    public func listCommandTags() throws(BoxError) -> [CommandTag] {
        do {
            return try store.commandTags()
        } catch {
            throw BoxError(.storageError, "The box could not read its command tags.")
        }
    }

    static func lockMode(_ store: any LibraryStore) -> ToddlerLock.Mode {
        (try? store.setting(BoxSettings.toddlerLockMode)).flatMap(ToddlerLock.Mode.init) ?? .all
    }

    static func commandTags(_ store: any LibraryStore, logger: Logger) -> [TagID: TagCommand] {
        do {
            return Dictionary(try store.commandTags().map { ($0.tagID, $0.command) }, uniquingKeysWith: { $1 })
        } catch {
            logger.error("reading the command tags failed: \(error)")
            return [:]
        }
    }

    /// The parents' MQTT choices as stored, password included: for the smart-home gateway and
    /// the parents' own settings route, never for an event.
    public func mqttPreferences() throws(BoxError) -> MQTTPreferences {
        do {
            return try store.setting(BoxSettings.mqtt)
        } catch {
            logger.error("reading the MQTT settings failed: \(error)")
            throw BoxError(.storageError, "The box could not read its MQTT settings.")
        }
    }

    /// The sequenced events still in the replay log, oldest first.
    public var loggedEvents: [StateEvent] { log.all }

    // MARK: Commands

    /// Runs one command and publishes what it changed.
    ///
    /// With a `clientOpID` seen in the last 5 minutes the command is not run again: the first
    /// result (or error) is returned, marked ``Committed/replayed``. Storage failures are not
    /// remembered, so a retry can succeed. Ids are kept per `client` (a parent login, an address,
    /// a socket): another client's id is another operation, never the first one's answer.
    /// Errors arrive as ``BoxError``; anything else (a storage failure) is logged and reported as `storage_error`.
    public func perform<Command: BoxCommand>(
        _ command: Command, clientOpID: String? = nil, client: String = ""
    ) throws(BoxError) -> Committed<Command.Output> {
        guard let clientOpID else { return try run(command) }
        let now = ContinuousClock.now
        let key = OperationJournal.key(client: client, clientOpID: clientOpID)
        if let entry = journal.lookup(key, now: now) {
            guard entry.command == ObjectIdentifier(Command.self) else {
                throw BoxError(.conflict, "client_op_id \(clientOpID) was already used for another operation.", details: ["client_op_id": clientOpID])
            }
            switch entry.outcome {
            case .success(let value):
                guard var committed = value as? Committed<Command.Output> else { break }
                committed.replayed = true
                return committed
            case .failure(let error):
                throw error
            }
        }
        do {
            let committed = try run(command)
            journal.record(key, command: ObjectIdentifier(Command.self), outcome: .success(committed), now: now)
            return committed
        } catch {
            if error.code != .storageError, error.code != .internalError {
                journal.record(key, command: ObjectIdentifier(Command.self), outcome: .failure(error), now: now)
            }
            throw error
        }
    }

    func run<Command: BoxCommand>(_ command: Command) throws(BoxError) -> Committed<Command.Output> {
        if player.quietCap == 0, command is any StartsPlayback {
            let until = QuietHours.text(quietHours.end)
            throw BoxError(.forbidden, "It is quiet time: no music until \(until).", details: ["reason": "quiet_hours", "until": until])
        }
        if player.dailyLimitReached, command is any StartsPlayback {
            throw BoxError(.forbidden, "Today's listening time is used up: more tomorrow, or a parent adds minutes.", details: ["reason": "daily_limit"])
        }
        let previous = player
        let previousPositionMs = player.status == .playing ? engine.position() : player.positionMs
        let now = clock.millis
        let value: Command.Output
        var changes: [Change]
        var newPlayer: Player
        func execute(_ store: any LibraryTransaction) throws -> (Command.Output, [Change], Player) {
            var context = CommandContext(
                store: store, library: library, player: player, engine: engine, now: now, resumeDecisions: resumeDecisions,
                episodePlaces: episodePlaces
            )
            let value = try command.run(in: &context)
            return (value, context.changes, context.player)
        }
        do {
            // One command, one transaction: all it wrote commits together, or nothing does. A player
            // command only reads, and never waits for the writer.
            (value, changes, newPlayer) = try Command.writesLibrary ? store.write(execute) : execute(ReadOnlyLibrary(store: store))
        } catch let error as BoxError {
            // Commands check everything before they touch the engine; what they wrote is rolled back.
            throw error
        } catch {
            logger.error("command \(Command.self) failed in storage: \(error)")
            throw BoxError(.storageError, "The box could not save this change. Nothing was changed.")
        }
        for change in changes {
            library.apply(change)
            if case .playlistDeleted(let id) = change { resumeDecisions[id] = nil }
        }
        followLibrary(changes, player: &newPlayer)
        if newPlayer.status == .playing { newPlayer.silentSince = nil } else if newPlayer.silentSince == nil { newPlayer.silentSince = now }
        // Published when what clients see changed, not on internal bookkeeping (a new tag on the active playlist).
        let visibleChange = newPlayer.state(positionMs: newPlayer.positionMs) != player.state(positionMs: player.positionMs)
        keepEpisodePlace(from: previous, at: previousPositionMs, to: newPlayer, naturalEnd: command is TrackFinished)
        keepResumePoint(from: previous, at: previousPositionMs, to: newPlayer, naturalEnd: command is TrackFinished)
        player = newPlayer
        if visibleChange { changes.append(.player(livePlayerState)) }
        let sequenced = changes.map { commit($0, at: now) }
        ticker.update(player, serverSeq: serverSeq)
        engine.prepareNext(player.status == .stopped ? nil : player.upcoming.map(PlaybackItem.init))
        watchSleepTimer()
        watchChapter()
        if command is LinkCommandTag || command is UnlinkCommandTag || command is LinkTag {
            commandTags = Self.commandTags(store, logger: logger)
        }
        if command is UpdateSettings {
            toddlerLockMode = Self.lockMode(store)
            dailyLimit.limitMs = Int64((try? store.setting(BoxSettings.dailyLimitMinutes)) ?? 0) * 60_000
            quietHours = QuietHours.load(store)
            playbackRequiresToken = (try? store.setting(BoxSettings.playbackRequiresToken)) ?? playbackRequiresToken
            feedback.sounds = FeedbackSounds.load(store)
            Task { self.checkClock() }  // at once, after this command's turn
        }
        return Committed(value: value, serverSeq: serverSeq, changes: sequenced)
    }

    // MARK: Sequencing and publishing

    func commit(_ change: Change, at time: EpochMillis) -> SequencedChange {
        serverSeq += 1
        var playlistSeq: UInt64?
        if let id = change.playlistID {
            let next = (playlistSeqs[id] ?? 0) + 1
            playlistSeqs[id] = next
            playlistSeq = next
        }
        let sequenced = SequencedChange(serverSeq: serverSeq, playlistSeq: playlistSeq, change: change, timestamp: time)
        for event in events(for: sequenced) {
            log.append(event)
            publisher.publish(event)
        }
        return sequenced
    }

    /// The `state:*` events of one change: one per audience, all with the change's numbers.
    /// A playlist that changed goes to the `playlists` room as the whole collection (the
    /// reference's `state:playlists`), except to members that asked for deltas: they get that
    /// playlist alone (`state:playlist_updated`), a few hundred bytes however large the library.
    func events(for change: SequencedChange) -> [StateEvent] {
        func event(_ payload: EventPayload, _ rooms: [Room], except: [Room] = []) -> StateEvent {
            StateEvent(
                payload: payload, serverSeq: change.serverSeq, serverEpoch: serverEpoch,
                playlistID: change.change.playlistID, playlistSeq: change.playlistSeq,
                timestamp: change.timestamp, eventID: eventIDs.next(), rooms: rooms, exceptRooms: except
            )
        }
        func collection(updating id: PlaylistID?) -> [StateEvent] {
            let whole = event(.playlists(library.summaries), [.playlists], except: [.playlistDeltas])
            guard let id, let summary = library.playlist(id)?.summary else { return [whole] }
            return [whole, event(.playlistUpdated(summary), [.playlistDeltas])]
        }
        switch change.change {
        case .playlistCreated(let summary):
            return collection(updating: summary.id)
        case .playlistUpdated, .playlistTracksChanged:
            guard let id = change.change.playlistID, let detail = library.playlist(id) else { return collection(updating: nil) }
            return collection(updating: id) + [event(.playlist(detail), [.playlist(id)])]
        case .trackUpdated(let track, let detail):
            return [event(.track(track), [.playlist(track.playlistID)]), event(.playlist(detail), [.playlist(track.playlistID)])]
                + collection(updating: detail.summary.id)
        case .playlistDeleted(let id):
            // Members with deltas take the playlist out on `state:playlist_deleted` itself.
            return [event(.playlistDeleted(id), [.playlists, .playlist(id)])] + collection(updating: nil)
        case .player(let state):
            return [event(.player(state), [.playlists])]
        }
    }

    var livePlayerState: PlayerState {
        player.liveState(on: engine)
    }

}
