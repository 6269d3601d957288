import Foundation
import Logging
import MusicBoxCore
import Synchronization

/// Who may do what (CONTRACT §8). Until a parent PIN is set, everyone on the home network may do
/// everything. Once it is, library changes, uploads, tags and settings need a parent token, got by
/// logging in with the PIN; playback stays open unless the `playback_requires_token` setting says
/// otherwise. The PIN's hash and the tokens' digests live in the settings table; checking a token
/// is a lookup in memory, so guarding a request costs no disk access.
public final class ParentalAccess: Sendable {
    /// What a request needs.
    public enum Requirement: Sendable {
        case nothing
        case playback
        case parent
    }

    public enum Decision: Sendable, Equatable {
        case allowed
        case refused(BoxError)
    }

    struct Credentials {
        var pin: PINHash?
        var tokens: [StoredToken]
        var limiter = AttemptLimiter()
    }

    static let pinKey = SettingKey<String>("parent_pin", default: "")
    static let tokensKey = SettingKey<[StoredToken]>("parent_tokens", default: [])
    static let attemptsKey = SettingKey<AttemptLimiter>("parent_pin_attempts", default: AttemptLimiter())
    /// A login unused for this long stops working (a phone lost or given away logs itself out).
    public static let tokenIdleLimitMs: Int64 = 90 * 24 * 3600 * 1000
    /// How stale a login's stored last use may get before it is written again (at most once a day).
    static let lastUseResolutionMs: Int64 = 24 * 3600 * 1000
    /// Tokens kept at most; logging in once more forgets the oldest.
    static let maximumTokens = 50

    private let store: any LibraryStore
    private let credentials: Mutex<Credentials>
    private let logger: Logger
    /// Where changes are written: the state manager once ``writeThrough(_:)`` says so (straight
    /// to the store before, at start-up).
    private let writer: Mutex<any LibraryWriter>

    public init(store: any LibraryStore, logger: Logger) {
        self.store = store
        self.logger = logger
        var pin: PINHash?
        var tokens: [StoredToken] = []
        var limiter = AttemptLimiter()
        do {
            let encoded = try store.setting(Self.pinKey)
            pin = encoded.isEmpty ? nil : PINHash(encoded: encoded)
            if !encoded.isEmpty, pin == nil { logger.error("the stored parent PIN is damaged; parental controls are off until a new PIN is set") }
            tokens = try store.setting(Self.tokensKey)
            limiter = (try? store.setting(Self.attemptsKey)) ?? AttemptLimiter()
        } catch {
            logger.error("reading the parental controls failed: \(error); they are off until a PIN is set")
        }
        credentials = Mutex(Credentials(pin: pin, tokens: tokens, limiter: limiter))
        writer = Mutex(DirectLibraryWriter(store: store))
    }

    /// From now on every change goes through `writer` (the state manager): one writer of the library.
    public func writeThrough(_ writer: any LibraryWriter) {
        self.writer.withLock { $0 = writer }
    }

    public var isPINSet: Bool { credentials.withLock { $0.pin != nil } }

    /// Whether `token` is a parent token in force (always false when no PIN is set): known, and
    /// used within ``tokenIdleLimitMs``. Using it moves its expiry on; the new last use is written
    /// at most once a day, off the caller's path.
    public func isParent(_ token: String?, now: EpochMillis = Date().epochMillis) -> Bool {
        guard let token, !token.isEmpty else { return false }
        let digest = AccessToken.digest(token)
        let (valid, save) = credentials.withLock { state -> (Bool, [StoredToken]?) in
            guard state.pin != nil, let index = state.tokens.firstIndex(where: { $0.sha256 == digest }) else { return (false, nil) }
            let last = state.tokens[index].lastUsedAt ?? state.tokens[index].createdAt
            guard now - last <= Self.tokenIdleLimitMs else { return (false, nil) }
            guard now - last >= Self.lastUseResolutionMs else { return (true, nil) }
            state.tokens[index].lastUsedAt = now
            return (true, state.tokens)
        }
        if let save {
            let writer = self.writer.withLock { $0 }
            let logger = self.logger
            Task {
                do { try await writer.write { transaction, _ in try transaction.setSetting(Self.tokensKey, to: save, now: now) } } catch {
                    logger.warning("saving when a parent login was last used failed: \(error)")
                }
            }
        }
        return valid
    }

    /// The answer for a request with `token` that needs `requirement`; `playbackNeedsToken` is the setting.
    public func decide(_ requirement: Requirement, token: String?, playbackNeedsToken: Bool) -> Decision {
        switch requirement {
        case .nothing: return .allowed
        case .playback where !playbackNeedsToken: return .allowed
        case .playback, .parent:
            guard isPINSet else { return .allowed }
            if isParent(token) { return .allowed }
            let reason = token == nil ? "parent_token_required" : "token_invalid"
            return .refused(BoxError(
                .unauthorized,
                token == nil ? "A parent PIN protects this. Log in with the PIN first." : "This parent login is no longer valid. Log in with the PIN again.",
                details: ["reason": reason]
            ))
        }
    }

    // MARK: Logging in and out

    /// Checks the PIN and hands out a new token. Wrong PINs count against `client`.
    public func login(pin: String, client: String, label: String, now: EpochMillis = Date().epochMillis) async throws(BoxError) -> (token: String, id: String) {
        try checkNotLocked(client, now: now)
        guard let stored = credentials.withLock({ $0.pin }) else {
            throw BoxError(.conflict, "No parent PIN is set yet; set one first.", details: ["reason": "no_pin"])
        }
        guard await Self.offPool({ stored.matches(pin) }) else {
            await recordWrongPIN(now: now)
            throw wrongPIN(client, now: now)
        }
        await recordRightPIN()
        let token = AccessToken.generate()
        let entry = StoredToken(
            id: UUID().uuidString.lowercased(), sha256: AccessToken.digest(token), label: DeviceName.label(given: label, userAgent: nil), createdAt: Date().epochMillis
        )
        try await saveTokens { tokens in
            tokens.append(entry)
            if tokens.count > Self.maximumTokens { tokens.removeFirst(tokens.count - Self.maximumTokens) }
        }
        logger.notice("parent logged in from \(client) (\(entry.label))")
        return (token, entry.id)
    }

    /// Forgets the token (logging out); unknown tokens are ignored.
    public func logout(_ token: String) async throws(BoxError) {
        let digest = AccessToken.digest(token)
        try await saveTokens { $0.removeAll { $0.sha256 == digest } }
    }

    /// The logins in force (those unused for ``tokenIdleLimitMs`` no longer count).
    public func tokens(now: EpochMillis = Date().epochMillis) -> [StoredToken] {
        credentials.withLock { $0.tokens }.filter { now - ($0.lastUsedAt ?? $0.createdAt) <= Self.tokenIdleLimitMs }
    }

    /// The id of the parent login `token` belongs to, when it is one in force.
    public func loginID(of token: String?) -> String? {
        guard let token, !token.isEmpty else { return nil }
        let digest = AccessToken.digest(token)
        return credentials.withLock { state in state.pin == nil ? nil : state.tokens.first { $0.sha256 == digest }?.id }
    }

    public func revoke(id: String) async throws(BoxError) {
        guard credentials.withLock({ state in state.tokens.contains { $0.id == id } }) else {
            throw BoxError(.notFound, "No parent login with id \(id).", details: ["token_id": id])
        }
        try await saveTokens { $0.removeAll { $0.id == id } }
    }

    // MARK: The PIN

    /// Sets the first PIN, or changes it: a change needs the current PIN (a parent token alone is
    /// not enough, so a phone left logged in cannot lock the parents out). Every token is revoked.
    public func setPIN(_ new: String, current: String?, client: String, now: EpochMillis = Date().epochMillis) async throws(BoxError) {
        try PINHash.validate(new)
        if let stored = credentials.withLock({ $0.pin }) {
            try checkNotLocked(client, now: now)
            guard let current, await Self.offPool({ stored.matches(current) }) else {
                await recordWrongPIN(now: now)
                throw wrongPIN(client, now: now)
            }
            await recordRightPIN()
        }
        guard let hash = await Self.offPool({ try? PINHash.make(new) }) else {
            throw BoxError(.internalError, "The PIN could not be hashed.")
        }
        try await persist(pin: hash, tokens: [])
        logger.notice("parent PIN set from \(client); all parent logins revoked")
    }

    /// The reset for a parent with the box in hand (a forgotten PIN, or one a child set first): a
    /// file named `reset-pin` that the boot partition (`/boot/firmware/musicboxd-reset-pin`, moved
    /// in by the unit) or the data folder brings. At start the first such file found turns the PIN off,
    /// revokes every login and clears the wrong-PIN count, and is removed so it acts once. Returns
    /// the file that did it.
    @discardableResult
    public func resetIfRequested(files: [String]) -> String? {
        guard let file = files.first(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
        do {
            // At start, before the state manager exists: straight to the store, one transaction.
            try store.write { transaction in
                let now = Date().epochMillis
                try transaction.setSetting(Self.pinKey, to: "", now: now)
                try transaction.setSetting(Self.tokensKey, to: [], now: now)
                try transaction.setSetting(Self.attemptsKey, to: AttemptLimiter(), now: now)
            }
        } catch {
            logger.error("a PIN reset was asked for by \(file), but saving it failed: \(error)")
            return nil
        }
        credentials.withLock { $0 = Credentials(pin: nil, tokens: []) }
        do { try FileManager.default.removeItem(atPath: file) } catch { logger.error("removing \(file) failed: \(error); remove it by hand") }
        logger.notice("parent PIN reset by \(file): parental controls are off and every login is revoked; set a new PIN")
        return file
    }

    /// Turns parental controls off again; needs the current PIN.
    public func removePIN(current: String, client: String, now: EpochMillis = Date().epochMillis) async throws(BoxError) {
        guard let stored = credentials.withLock({ $0.pin }) else { return }
        try checkNotLocked(client, now: now)
        guard await Self.offPool({ stored.matches(current) }) else {
            await recordWrongPIN(now: now)
            throw wrongPIN(client, now: now)
        }
        await recordRightPIN()
        try await persist(pin: nil, tokens: [])
        logger.notice("parent PIN removed from \(client)")
    }

    // MARK: Helpers

    private func checkNotLocked(_ client: String, now: EpochMillis) throws(BoxError) {
        if let wait = credentials.withLock({ $0.limiter.wait(now: now) }) {
            throw Self.rateLimited(ms: wait)
        }
    }

    private func wrongPIN(_ client: String, now: EpochMillis) -> BoxError {
        if let wait = credentials.withLock({ $0.limiter.wait(now: now) }) { return Self.rateLimited(ms: wait) }
        return BoxError(.unauthorized, "That PIN is not right.", details: ["reason": "wrong_pin", "field": "pin"])
    }

    /// A wrong PIN counts against the whole box, and is written down before the answer goes out.
    private func recordWrongPIN(now: EpochMillis) async {
        let limiter = credentials.withLock { state in
            state.limiter.failed(now: now)
            return state.limiter
        }
        do { try await write { transaction, _ in try transaction.setSetting(Self.attemptsKey, to: limiter, now: now) } } catch {
            logger.error("saving the wrong-PIN count failed: \(error)")
        }
    }

    private func recordRightPIN() async {
        let hadFailures = credentials.withLock { state in
            defer { state.limiter.succeeded() }
            return state.limiter.failures > 0
        }
        guard hadFailures else { return }
        do { try await write { transaction, now in try transaction.setSetting(Self.attemptsKey, to: AttemptLimiter(), now: now) } } catch {
            logger.error("clearing the wrong-PIN count failed: \(error)")
        }
    }

    static func rateLimited(ms wait: Int64) -> BoxError {
        let seconds = max(1, Int((wait + 999) / 1000))
        return BoxError(
            .rateLimited, "Too many wrong PINs. Try again in \(seconds) seconds.",
            details: ["reason": "too_many_attempts", "retry_after": String(seconds)]
        )
    }

    /// Changes the logins in one write on the state manager. The change is worked out there, from
    /// the logins as they stand then, and memory follows once the row has committed: two logins at
    /// once both stay.
    private func saveTokens(_ change: @escaping @Sendable (inout [StoredToken]) -> Void) async throws(BoxError) {
        do {
            try await write { [self] transaction, now in
                var tokens = credentials.withLock { $0.tokens }
                change(&tokens)
                try transaction.setSetting(Self.tokensKey, to: tokens, now: now)
                transaction.afterCommit { [tokens] in self.credentials.withLock { $0.tokens = tokens } }
            }
        } catch {
            throw BoxError(.storageError, "The box could not save the parent login.")
        }
    }

    /// The PIN and the logins in one transaction: a crash can never keep old logins under a new
    /// PIN. Memory follows once it has committed. `pin` nil: parental controls off.
    private func persist(pin: PINHash?, tokens: [StoredToken]) async throws(BoxError) {
        do {
            try await write { [self] transaction, now in
                try transaction.setSetting(Self.pinKey, to: pin?.encoded ?? "", now: now)
                try transaction.setSetting(Self.tokensKey, to: tokens, now: now)
                transaction.afterCommit { self.credentials.withLock { $0.pin = pin; $0.tokens = tokens } }
            }
        } catch {
            throw BoxError(.storageError, "The box could not save the PIN.")
        }
    }

    private func write(_ body: @escaping @Sendable (any LibraryTransaction, EpochMillis) throws -> Void) async throws(BoxError) {
        try await writer.withLock { $0 }.write(body)
    }

    /// Where scrypt runs: one queue of its own, never Swift's cooperative pool or a NIO event loop,
    /// and one hash at a time. Each takes 16 MiB; a flood of logins must queue here rather than
    /// start dozens of threads that together take a Pi's memory.
    private static let hashing = DispatchQueue(label: "musicboxd.parental.scrypt", qos: .userInitiated)

    /// Runs scrypt (deliberately slow) on ``hashing``.
    static func offPool<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            hashing.async { continuation.resume(returning: work()) }
        }
    }
}
