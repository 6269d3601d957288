import Foundation

/// How much the box played on one day (its local date), and the minutes parents added to it.
/// Kept in the settings (written behind, like resume points), so a restart does not reset it.
public struct ListeningDay: Sendable, Equatable, Codable {
    /// "2026-12-02" in the box's time zone.
    public var day: String
    public var listenedMs: Int64
    public var extraMs: Int64

    public init(day: String, listenedMs: Int64 = 0, extraMs: Int64 = 0) {
        self.day = day
        self.listenedMs = listenedMs
        self.extraMs = extraMs
    }

    enum CodingKeys: String, CodingKey {
        case day
        case listenedMs = "listened_ms"
        case extraMs = "extra_ms"
    }
}

/// The daily listening limit (MuPiBox #14): minutes of playing per day, counted while the box
/// plays; when they are used up what plays pauses with a gentle goodbye sound, and nothing starts
/// again until the next day or until parents add minutes. Pure: time comes in as arguments.
public struct DailyLimit: Sendable, Equatable {
    /// 0: no limit.
    public var limitMs: Int64
    public private(set) var today: ListeningDay
    private var lastTick: Date?
    /// A longer gap between two ticks (a suspended machine, a clock set forward) counts as this
    /// much at most: only time the manager saw playing is counted.
    public var maxStep: TimeInterval = 5

    public init(limitMs: Int64, today: ListeningDay) {
        self.limitMs = limitMs
        self.today = today
    }

    public static func dayKey(_ date: Date, calendar: Calendar = .current) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    public var reached: Bool { limitMs > 0 && today.listenedMs >= limitMs + today.extraMs }

    /// What is left today (`nil`: no limit).
    public var remainingMs: Int64? { limitMs > 0 ? max(0, limitMs + today.extraMs - today.listenedMs) : nil }

    /// Time passed: what played since the last tick is counted; a new day starts afresh.
    /// Returns whether the day's record changed (to be saved).
    @discardableResult
    public mutating func tick(playing: Bool, at now: Date, calendar: Calendar = .current) -> Bool {
        defer { lastTick = now }
        let key = Self.dayKey(now, calendar: calendar)
        var changed = false
        if key != today.day {
            today = ListeningDay(day: key)
            changed = true
        }
        guard playing, let last = lastTick, now > last else { return changed }
        today.listenedMs += Int64(min(now.timeIntervalSince(last), maxStep) * 1000)
        return true
    }

    /// Parents add minutes to today.
    public mutating func extend(byMinutes minutes: Int, at now: Date, calendar: Calendar = .current) {
        tick(playing: false, at: now, calendar: calendar)
        today.extraMs += Int64(minutes) * 60_000
    }
}

/// The day's listening limit was reached (what plays pauses) or lifted (a new day, more minutes,
/// the setting off); shown as `state:player`'s `daily_limit_reached`.
struct ApplyDailyLimit: PlayerCommand {
    var reached: Bool

    func run(in context: inout CommandContext) throws -> PlayerState {
        context.player.dailyLimitReached = reached
        if reached, context.player.status == .playing { context.player.pause(on: context.engine) }
        return context.playerState
    }
}

/// Where the day's listening stands (`/api/player/listening`).
public struct ListeningStatus: Sendable, Equatable, Encodable {
    public var limitMinutes: Int
    public var listenedMinutes: Int
    public var extraMinutes: Int
    /// `nil` without a limit.
    public var remainingMinutes: Int?
    public var reached: Bool

    init(_ limit: DailyLimit) {
        limitMinutes = Int(limit.limitMs / 60_000)
        listenedMinutes = Int(limit.today.listenedMs / 60_000)
        extraMinutes = Int(limit.today.extraMs / 60_000)
        remainingMinutes = limit.remainingMs.map { Int(($0 + 59_999) / 60_000) }
        reached = limit.reached
    }

    enum CodingKeys: String, CodingKey {
        case limitMinutes = "limit_minutes"
        case listenedMinutes = "listened_minutes"
        case extraMinutes = "extra_minutes"
        case remainingMinutes = "remaining_minutes"
        case reached
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(limitMinutes, forKey: .limitMinutes)
        try container.encode(listenedMinutes, forKey: .listenedMinutes)
        try container.encode(extraMinutes, forKey: .extraMinutes)
        try container.encode(remainingMinutes, forKey: .remainingMinutes)
        try container.encode(reached, forKey: .reached)
    }
}
