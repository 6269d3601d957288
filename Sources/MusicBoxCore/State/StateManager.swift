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

    private let executor: DedicatedQueueExecutor
    private let store: any LibraryStore
    private let engine: any PlaybackEngine
    private let publisher: any EventPublisher
    private let ticker: PositionTicker
    /// Persists the resume decisions behind the manager (see ``ResumeWriter``).
    private let resumeWriter: ResumeWriter
    /// The latest resume decision per playlist this boot: what a tap resumes from, whether or not
    /// the writer has put it on disk yet.
    private var resumeDecisions: [PlaylistID: ResumeDecision] = [:]
    /// The manager's own loops (engine reports, the clock checks), ended by ``shutdown()``.
    private let loops = Mutex<[Task<Void, Never>]>([])
    private let clock: WallClock
    private let logger: Logger

    private var serverSeq: UInt64 = 0
    private var playlistSeqs: [PlaylistID: UInt64] = [:]
    private var library: LibraryView
    private var player: Player
    private var log: EventLog
    private var journal: OperationJournal
    private let options: Options
    /// The association session, while one is open.
    private var association: AssociationStatus?
    /// Runs while a sleep timer is set: fades out and stops on time (see ``SleepTimer``).
    private var sleepWatch: Task<Void, Never>?
    /// The volume the sleep fade last gave the engine (nil: not fading).
    private var sleepFadeVolume: Int?
    /// The parents' quiet-hours window, read at start and after each settings change.
    private var quietHours: QuietHours
    /// The `playback_requires_token` setting, kept here so that guarding a play request reads no disk.
    public private(set) var playbackRequiresToken: Bool
    /// The parents' feedback-sound settings, kept here for the same reason.
    private var feedback: FeedbackSounds
    /// The last cue played and when: the same cue again within ``FeedbackSounds/repeatGap`` stays
    /// silent (a playlist of broken files is one error sound, not one per file).
    private var lastCue: (cue: FeedbackCue, at: ContinuousClock.Instant)?

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
        let startup = (try? store.setting(BoxSettings.startupVolume)) ?? BoxSettings.startupVolume.defaultValue
        quietHours = QuietHours.load(store)
        playbackRequiresToken = (try? store.setting(BoxSettings.playbackRequiresToken)) ?? false
        feedback = FeedbackSounds.load(store)
        if quietHours.isActive(at: clock.now()) { initialPlayer.quietCap = quietHours.maxVolume }
        initialPlayer.volume = min(startup, initialPlayer.maxVolume)
        player = initialPlayer
        engine.setVolume(initialPlayer.volume, muted: initialPlayer.muted)
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
        let clockChecks = Self.every(options.quietHoursCheckInterval, self) { await $0.checkQuietHours() }
        let resumeSaves = Self.every(options.resumeSaveInterval, self) { await $0.saveWhilePlaying() }
        loops.withLock { $0 = [handler, clockChecks, resumeSaves] }
    }

    /// Runs `tick` on the manager every `interval` for as long as the manager lives (or until
    /// ``shutdown()``).
    private static func every(
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

    private func run<Command: BoxCommand>(_ command: Command) throws(BoxError) -> Committed<Command.Output> {
        if player.quietCap == 0, command is any StartsPlayback {
            let until = QuietHours.text(quietHours.end)
            throw BoxError(.forbidden, "It is quiet time: no music until \(until).", details: ["reason": "quiet_hours", "until": until])
        }
        let previous = player
        let previousPositionMs = player.status == .playing ? engine.position() : player.positionMs
        let now = clock.millis
        let value: Command.Output
        var changes: [Change]
        var newPlayer: Player
        func execute(_ store: any LibraryTransaction) throws -> (Command.Output, [Change], Player) {
            var context = CommandContext(
                store: store, library: library, player: player, engine: engine, now: now, resumeDecisions: resumeDecisions
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
        // Published when what clients see changed, not on internal bookkeeping (a new tag on the active playlist).
        let visibleChange = newPlayer.state(positionMs: newPlayer.positionMs) != player.state(positionMs: player.positionMs)
        keepResumePoint(from: previous, at: previousPositionMs, to: newPlayer, naturalEnd: command is TrackFinished)
        player = newPlayer
        if visibleChange { changes.append(.player(livePlayerState)) }
        let sequenced = changes.map { commit($0, at: now) }
        ticker.update(player, serverSeq: serverSeq)
        engine.prepareNext(player.status == .stopped ? nil : player.upcoming.map(PlaybackItem.init))
        watchSleepTimer()
        if command is UpdateSettings {
            quietHours = QuietHours.load(store)
            playbackRequiresToken = (try? store.setting(BoxSettings.playbackRequiresToken)) ?? playbackRequiresToken
            feedback = FeedbackSounds.load(store)
            Task { self.checkQuietHours() }  // at once, after this command's turn
        }
        return Committed(value: value, serverSeq: serverSeq, changes: sequenced)
    }

    // MARK: Feedback sounds

    /// Plays `cue` when the box and the parents want sounds: not when switched off, muted, or in
    /// quiet hours without music; never louder than the volume cap; not the same cue twice within
    /// ``FeedbackSounds/repeatGap`` unless `evenIfJustPlayed` (a parent trying it). Returns the
    /// volume it plays at (`nil`: silent).
    @discardableResult
    public func playFeedback(_ cue: FeedbackCue, evenIfJustPlayed: Bool = false) -> Int? {
        guard options.feedbackSounds, let volume = feedback.volume(for: player) else { return nil }
        let now = ContinuousClock.now
        if !evenIfJustPlayed, let lastCue, lastCue.cue == cue, now - lastCue.at < FeedbackSounds.repeatGap { return nil }
        lastCue = (cue, now)
        logger.debug("feedback sound \(cue.rawValue) at volume \(volume)")
        engine.play(cue, volume: volume)
        return volume
    }

    /// Before the box switches off: playback pauses (so where it was is saved, as on any pause,
    /// and this waits until it is on disk)
    /// and the goodbye sound plays. Returns how long that sound lasts, to wait before power goes.
    public func prepareForPowerOff() -> Duration {
        if player.status == .playing { _ = try? perform(Pause()) }
        resumeWriter.flush()  // where it was is on disk before the power goes
        return playFeedback(.goodbye, evenIfJustPlayed: true) == nil ? .zero : FeedbackSounds.goodbyeLength
    }

    // MARK: Quiet hours

    /// Lowers (or lifts) the volume cap as the quiet-hours window begins (or ends).
    private func checkQuietHours() {
        let cap = quietHours.isActive(at: clock.now()) ? quietHours.maxVolume : nil
        guard cap != player.quietCap else { return }
        logger.notice(cap == nil ? "quiet hours over" : "quiet hours: volume capped at \(cap!)")
        _ = try? perform(ApplyQuietHours(cap: cap))
    }

    // MARK: Sleep timer

    /// Starts the sleep timer's watch when one is set, ends it (at full volume again) when not.
    private func watchSleepTimer() {
        if player.sleepTimer == nil {
            sleepWatch?.cancel()
            sleepWatch = nil
            endSleepFade()
        } else if sleepWatch == nil {
            sleepWatch = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    guard let self else { return }
                    await self.sleepTick()
                }
            }
        }
    }

    /// Four times a second while a timer is set: turn the engine down over the last
    /// ``SleepTimer/fadeMs`` and pause when a `minutes` timer runs out. (The track-end modes
    /// stop in ``TrackFinished``, where the engine reports the end.)
    private func sleepTick() {
        guard let timer = player.sleepTimer else { return watchSleepTimer() }
        let now = clock.millis
        let position = player.status == .playing ? engine.position() : player.positionMs
        let remaining = timer.remaining(now: now, player: player, positionMs: position)
        if case .at = timer, let remaining, remaining <= 0 {
            logger.notice("sleep timer ran out: pausing")
            _ = try? perform(SleepTimerExpired())
            return
        }
        let faded = SleepTimer.fadedVolume(player.volume, remaining: player.status == .playing ? remaining : nil)
        if faded < player.volume {
            if faded != sleepFadeVolume { engine.setVolume(faded, muted: player.muted) }
            sleepFadeVolume = faded
        } else {
            endSleepFade()
        }
    }

    private func endSleepFade() {
        guard sleepFadeVolume != nil else { return }
        sleepFadeVolume = nil
        engine.setVolume(player.volume, muted: player.muted)
    }

    /// Keeps the player in step with edits of the playlist it plays.
    private func followLibrary(_ changes: [Change], player: inout Player) {
        guard let active = player.playlist?.id else { return }
        for change in changes where change.playlistID == active {
            if case .playlistDeleted = change {
                player.unload(on: engine)
            } else if let detail = library.playlist(active) {
                player.follow(detail, on: engine)
            }
        }
    }

    // MARK: Resume points

    /// Remembers where a playlist was left when the listener leaves it: on a switch to another
    /// playlist, a pause, a stop. A playlist that played to its end starts over next time.
    private func keepResumePoint(from old: Player, at oldPositionMs: Int64, to new: Player, naturalEnd: Bool) {
        // A playlist just deleted has nothing left to resume.
        guard let playlist = old.playlist, let track = old.current, library.contains(playlist.id) else { return }
        if new.playlist?.id != playlist.id {
            saveResumePoint(playlist.id, track: track.id, at: oldPositionMs)
        } else if old.status == .playing, new.status == .paused, let current = new.current {
            saveResumePoint(playlist.id, track: current.id, at: new.positionMs)
        } else if old.status != .stopped, new.status == .stopped {
            if naturalEnd {
                decide(.clear(playlist.id))
            } else {
                saveResumePoint(playlist.id, track: track.id, at: oldPositionMs)
            }
        }
    }

    private func saveResumePoint(_ playlist: PlaylistID, track: TrackID, at positionMs: Int64) {
        decide(.save(ResumePoint(playlistID: playlist, trackID: track, positionMs: positionMs, updatedAt: clock.millis)))
    }

    /// Remembers the decision (taps read it from here) and hands it to the writer.
    private func decide(_ decision: ResumeDecision) {
        resumeDecisions[decision.playlistID] = decision
        resumeWriter.submit(decision)
    }

    /// Every few seconds while playing: a power cut loses at most that much.
    private func saveWhilePlaying() {
        guard player.status == .playing, let playlist = player.playlist, let track = player.current else { return }
        saveResumePoint(playlist.id, track: track.id, at: engine.position())
    }

    // MARK: Tags

    /// A settled tag event from the reader: plays, resumes or pauses as ``PlaceTag`` and
    /// ``RemoveTag`` say, and tells listeners (`nfc:tag`, to the `nfc` and `playlists` rooms).
    @discardableResult
    public func tag(_ event: TagEvent) -> TagOutcome {
        if case .placed(let tag) = event, let session = association, !session.state.isOver {
            let outcome = associate(tag, in: session)
            playFeedback(association?.state == .success ? .tagLinked : .error)
            publishTag(outcome)
            return outcome
        }
        let outcome: TagOutcome
        do {
            switch event {
            case .placed(let tag): outcome = try perform(PlaceTag(tag: tag)).value
            case .removed(let tag): outcome = try perform(RemoveTag(tag: tag)).value
            }
        } catch {
            if error.details["reason"] == "quiet_hours" {
                logger.notice("tag \(event) ignored: \(error.message)")
            } else {
                logger.error("tag \(event) could not be handled: \(error.message)")
            }
            switch event {
            case .placed(let tag): outcome = TagOutcome(tagID: tag, present: true, action: .none)
            case .removed(let tag): outcome = TagOutcome(tagID: tag, present: false, action: .none)
            }
        }
        switch outcome.action {
        case .unknown: playFeedback(.unknownTag)
        case .empty: playFeedback(.error)
        default: break
        }
        publishTag(outcome)
        return outcome
    }

    /// Tells the playlist's room and the collection's how an upload goes (CONTRACT §6). Through the
    /// state manager so that `upload:complete` follows the `state:playlist` that added the track.
    public func announce(_ notice: UploadNotice) {
        publisher.publish(StateEvent(
            payload: .upload(notice), serverSeq: serverSeq, serverEpoch: serverEpoch, timestamp: clock.millis,
            eventID: eventIDs.next(), rooms: [.playlist(notice.playlistID), .playlists]
        ))
    }

    /// Whether the playlist exists now (uploads check before accepting more bytes for it).
    public func hasPlaylist(_ id: PlaylistID) -> Bool { library.contains(id) }

    private func publishTag(_ outcome: TagOutcome) {
        publisher.publish(StateEvent(
            payload: .tag(outcome), serverSeq: serverSeq, serverEpoch: serverEpoch, timestamp: clock.millis,
            eventID: eventIDs.next(), rooms: [.nfc, .playlists]
        ))
    }

    // MARK: Association sessions (CONTRACT §5)

    /// Opens a session: the next tag tapped is linked to `playlistID` instead of played. A session
    /// already open is stopped first. It times out after `timeoutSeconds` (`timeout` is published then).
    public func startAssociation(playlistID: PlaylistID, timeoutSeconds: Int = 60) throws(BoxError) -> AssociationStatus {
        guard library.contains(playlistID) else { throw BoxError.playlistNotFound(playlistID) }
        guard (5...600).contains(timeoutSeconds) else {
            throw BoxError.validation(field: "timeout_s", "timeout_s must be from 5 to 600 seconds.")
        }
        if let open = association, !open.state.isOver { _ = try? stopAssociation(open.assocID) }
        let now = clock.millis
        let session = AssociationStatus(
            assocID: UUID().uuidString.lowercased(), state: .listening, playlistID: playlistID,
            startedAt: now, timeoutAt: now + Int64(timeoutSeconds) * 1000
        )
        publishAssociation(session)
        let id = session.assocID
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(timeoutSeconds))
            await self?.expireAssociation(id)
        }
        return association ?? session
    }

    /// Ends the session at once (`stopped`). `not_found` when it is unknown or already over.
    public func stopAssociation(_ id: String) throws(BoxError) -> AssociationStatus {
        guard var session = association, session.assocID == id, !session.state.isOver else {
            throw BoxError(.notFound, "No open NFC linking session \(id).", details: ["assoc_id": id])
        }
        session.state = .stopped
        publishAssociation(session)
        return association ?? session
    }

    /// Moves a tag to a playlist although it plays another (`override_nfc_tag`); the open session
    /// for that playlist, if any, ends in `success`.
    public func overrideTag(_ tag: TagID, playlistID: PlaylistID) throws(BoxError) -> TagLink {
        let link = try perform(LinkTag(tag: tag, playlistID: playlistID, force: true)).value
        tagLinkedByHand(tag, playlistID: playlistID)
        return link
    }

    /// A tag was linked to `playlistID` some other way than tapping it (a forced link after a
    /// duplicate): an open linking session for that playlist ends in `success` with it.
    public func tagLinkedByHand(_ tag: TagID, playlistID: PlaylistID) {
        guard var session = association, !session.state.isOver, session.playlistID == playlistID else { return }
        session.state = .success
        session.tagID = tag
        session.conflict = nil
        publishAssociation(session)
        playFeedback(.tagLinked)
    }

    /// Blocks the state manager's thread, as a deadlock would: nothing else runs on it meanwhile.
    /// Only for testing the systemd watchdog (`/api/dev/stall`, simulated hardware).
    @_spi(Simulation) public func hangForTesting(seconds: Double) {
        logger.warning("hanging the state manager for \(seconds) s on request (watchdog test)")
        Thread.sleep(forTimeInterval: seconds)
    }

    /// The open session, if any.
    public var currentAssociation: AssociationStatus? { association.flatMap { $0.state.isOver ? nil : $0 } }

    private func expireAssociation(_ id: String) {
        guard var session = association, session.assocID == id, !session.state.isOver else { return }
        session.state = .timeout
        publishAssociation(session)
    }

    /// A tag tapped while a session is open: linked, or `duplicate` when it plays another playlist.
    private func associate(_ tag: TagID, in session: AssociationStatus) -> TagOutcome {
        var session = session
        session.tagID = tag
        let owner = library.playlist(taggedWith: tag)?.summary
        if let owner, owner.id != session.playlistID {
            session.state = .duplicate
            session.conflict = owner
        } else {
            do {
                if owner == nil { _ = try perform(LinkTag(tag: tag, playlistID: session.playlistID)) }
                session.state = .success
                session.conflict = nil
            } catch {
                logger.error("linking tag \(tag) failed: \(error.message)")
                session.state = .error
            }
        }
        publishAssociation(session)
        return TagOutcome(tagID: tag, present: true, action: .linking, playlist: library.playlist(session.playlistID)?.summary)
    }

    private func publishAssociation(_ session: AssociationStatus) {
        var session = session
        session.serverSeq = serverSeq
        association = session
        for payload in [EventPayload.nfcStatus(session), .nfcAssociationState(session)] {
            publisher.publish(StateEvent(
                payload: payload, serverSeq: serverSeq, serverEpoch: serverEpoch, timestamp: clock.millis,
                eventID: eventIDs.next(), rooms: [.nfc]
            ))
        }
    }

    /// A report from the engine's thread becomes a command like any other.
    private func handle(_ report: PlaybackReport) {
        switch report {
        case .finished(let track):
            _ = try? perform(TrackFinished(trackID: track))
        case .failed(let track, let error):
            logger.warning("track \(track) cannot be played: \(error.message); skipping it")
            // Told to the listeners (ephemeral: not a change of state), then skipped like a finished track.
            let known = player.order.first { $0.id == track }
            publisher.publish(StateEvent(
                payload: .playbackError(PlaybackProblem(trackID: track, playlistID: player.playlist?.id, title: known?.title, error: error)),
                serverSeq: serverSeq, serverEpoch: serverEpoch, timestamp: clock.millis, eventID: eventIDs.next(), rooms: [.playlists]
            ))
            playFeedback(.error)
            _ = try? perform(TrackFinished(trackID: track))
        case .outputLost(let error):
            logger.error("audio output lost: \(error.message); playback paused until it returns")
            _ = try? perform(OutputLost())
        case .outputRestored:
            logger.notice("audio output is back")
            _ = try? perform(OutputRestored())
        }
    }

    // MARK: Sequencing and publishing

    private func commit(_ change: Change, at time: EpochMillis) -> SequencedChange {
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
    private func events(for change: SequencedChange) -> [StateEvent] {
        func event(_ payload: EventPayload, _ rooms: [Room]) -> StateEvent {
            StateEvent(
                payload: payload, serverSeq: change.serverSeq, serverEpoch: serverEpoch,
                playlistID: change.change.playlistID, playlistSeq: change.playlistSeq,
                timestamp: change.timestamp, eventID: eventIDs.next(), rooms: rooms
            )
        }
        let collection = event(.playlists(library.summaries), [.playlists])
        switch change.change {
        case .playlistCreated:
            return [collection]
        case .playlistUpdated, .playlistTracksChanged:
            guard let id = change.change.playlistID, let detail = library.playlist(id) else { return [collection] }
            return [collection, event(.playlist(detail), [.playlist(id)])]
        case .trackUpdated(let track, let detail):
            return [event(.track(track), [.playlist(track.playlistID)]), event(.playlist(detail), [.playlist(track.playlistID)]), collection]
        case .playlistDeleted(let id):
            return [event(.playlistDeleted(id), [.playlists, .playlist(id)]), collection]
        case .player(let state):
            return [event(.player(state), [.playlists])]
        }
    }

    private var livePlayerState: PlayerState {
        player.liveState(on: engine)
    }

    // MARK: Joining rooms and catching up

    /// The events a client joining `room` gets first, stamped with where the sequence stands now.
    /// `nil` for a playlist that does not exist.
    private func snapshot(of room: Room) -> [StateEvent]? {
        func event(_ payload: EventPayload, playlist: PlaylistID? = nil) -> StateEvent {
            StateEvent(
                payload: payload, serverSeq: serverSeq, serverEpoch: serverEpoch, playlistID: playlist,
                playlistSeq: playlist.map { playlistSeqs[$0] ?? 0 }, timestamp: clock.millis,
                eventID: eventIDs.next(), rooms: [room]
            )
        }
        switch room {
        case .playlists:
            return [event(.playlists(library.summaries)), event(.player(livePlayerState))]
        case .playlist(let id):
            guard let detail = library.playlist(id) else { return nil }
            return [event(.playlist(detail), playlist: id)]
        case .nfc:
            // No association session is open yet (NFC lands with its own issue).
            return []
        }
    }

    /// Sends the room's snapshot to the subscriber and starts its events, with nothing missed
    /// or repeated in between. Throws `not_found` for an unknown playlist.
    public func join(_ room: Room, subscriber: any EventSubscriber) throws(BoxError) -> JoinResult {
        guard let events = snapshot(of: room) else {
            if case .playlist(let id) = room { throw BoxError.playlistNotFound(id) }
            throw BoxError(.notFound, "No room \(room).")
        }
        subscriber.deliver(events)
        subscriber.enter(room)
        return JoinResult(room: room, serverSeq: serverSeq, playlistSeq: room.playlistID.map { playlistSeqs[$0] ?? 0 })
    }

    public func leave(_ room: Room, subscriber: any EventSubscriber) -> JoinResult {
        subscriber.exit(room)
        return JoinResult(room: room, serverSeq: serverSeq, playlistSeq: room.playlistID.map { playlistSeqs[$0] ?? 0 })
    }

    /// `state:player` for one client.
    public func playerSnapshot() -> StateEvent {
        StateEvent(
            payload: .player(livePlayerState), serverSeq: serverSeq, serverEpoch: serverEpoch,
            timestamp: clock.millis, eventID: eventIDs.next(), rooms: [.playlists]
        )
    }

    /// Brings a reconnecting client up to date (CONTRACT §4 `sync:request`): the events it missed
    /// in its rooms, from the log, when the log reaches back to where it stopped and it is the same
    /// boot; fresh snapshots otherwise. The rooms asked for are joined, so events keep coming.
    public func sync(_ request: SyncRequest, subscriber: any EventSubscriber) -> SyncResult {
        var rooms = request.rooms ?? Array(subscriber.rooms)
        rooms = rooms.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        let sameBoot = request.serverEpoch.map { $0 == serverEpoch } ?? true
        let replayable = sameBoot && request.lastGlobalSeq <= serverSeq
        if replayable, let missed = log.events(after: request.lastGlobalSeq) {
            let wanted = Set(rooms)
            let events = missed.filter { event in
                let audience = Set(event.rooms).intersection(wanted)
                guard !audience.isEmpty else { return false }
                // A client that says how far it got in a playlist skips what it already has of it.
                if audience.count == 1, case .playlist(let id)? = audience.first,
                    let seen = request.lastPlaylistSeqs[id], let seq = event.playlistSeq, seq <= seen
                {
                    return false
                }
                return true
            }
            subscriber.deliver(events)
            for room in rooms where !subscriber.rooms.contains(room) {
                if case .playlist(let id) = room, !library.contains(id) { continue }
                subscriber.enter(room)
            }
            return SyncResult(rooms: rooms, serverSeq: serverSeq, mode: .replay)
        }
        for room in rooms {
            if let events = snapshot(of: room) {
                subscriber.deliver(events)
                subscriber.enter(room)
            } else if case .playlist(let id) = room {
                // Gone while the client was away: say so instead of a snapshot.
                subscriber.deliver([StateEvent(
                    payload: .playlistDeleted(id), serverSeq: serverSeq, serverEpoch: serverEpoch, playlistID: id,
                    timestamp: clock.millis, eventID: eventIDs.next(), rooms: [room]
                )])
                subscriber.exit(room)
            }
        }
        return SyncResult(rooms: rooms, serverSeq: serverSeq, mode: .snapshot)
    }
}

/// Where the sequence stood when a client joined or left a room.
public struct JoinResult: Sendable, Equatable {
    public var room: Room
    public var serverSeq: UInt64
    public var playlistSeq: UInt64?
}

/// A `sync:request`, parsed.
public struct SyncRequest: Sendable, Equatable {
    public var lastGlobalSeq: UInt64
    public var lastPlaylistSeqs: [PlaylistID: UInt64]
    /// `nil`: the rooms the client is in.
    public var rooms: [Room]?
    public var serverEpoch: String?

    public init(lastGlobalSeq: UInt64, lastPlaylistSeqs: [PlaylistID: UInt64] = [:], rooms: [Room]? = nil, serverEpoch: String? = nil) {
        self.lastGlobalSeq = lastGlobalSeq
        self.lastPlaylistSeqs = lastPlaylistSeqs
        self.rooms = rooms
        self.serverEpoch = serverEpoch
    }
}

public struct SyncResult: Sendable, Equatable {
    public enum Mode: String, Sendable { case replay, snapshot }
    public var rooms: [Room]
    public var serverSeq: UInt64
    public var mode: Mode
}

extension Room {
    public var playlistID: PlaylistID? {
        if case .playlist(let id) = self { return id }
        return nil
    }
}
