/// What a command tag does when tapped, instead of playing a playlist: parents link a tag to an
/// action (a sleep timer, a volume cap, stop, switching the box off, the toddler lock).
public struct TagCommand: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Equatable, Codable, CaseIterable {
        /// The sleep timer, `minutes` long.
        case sleep
        /// Stop at the end of the track playing.
        case sleepEndOfTrack = "sleep_end_of_track"
        /// The parents' `max_volume` becomes `volume`.
        case volumeCap = "volume_cap"
        case stop
        /// Switch the box off (saved, the goodbye sound, then the power).
        case shutdown
        /// The toddler lock on when off, off when on.
        case toddlerLock = "toddler_lock"
    }

    public var action: Action
    public var minutes: Int?
    public var volume: Int?

    public init(action: Action, minutes: Int? = nil, volume: Int? = nil) {
        self.action = action
        self.minutes = minutes
        self.volume = volume
    }

    /// The command as given, checked: `sleep` needs `minutes`, `volume_cap` a `volume`; a value
    /// the action does not take is dropped.
    public static func checked(action text: String, minutes: Int?, volume: Int?) throws(BoxError) -> TagCommand {
        guard let action = Action(rawValue: text) else {
            throw BoxError.validation(field: "action", "action must be one of \(Action.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        switch action {
        case .sleep:
            guard let minutes, (1...SleepTimer.maximumMinutes).contains(minutes) else {
                throw BoxError.validation(field: "minutes", "A sleep tag needs minutes from 1 to \(SleepTimer.maximumMinutes).")
            }
            return TagCommand(action: action, minutes: minutes)
        case .volumeCap:
            guard let volume, (0...100).contains(volume) else {
                throw BoxError.validation(field: "volume", "A volume-cap tag needs a volume from 0 to 100.")
            }
            return TagCommand(action: action, volume: volume)
        case .sleepEndOfTrack, .stop, .shutdown, .toddlerLock:
            return TagCommand(action: action)
        }
    }
}

/// A tag linked to a command (`/api/nfc/commands`).
public struct CommandTag: Sendable, Equatable, Encodable {
    public var tagID: TagID
    public var command: TagCommand
    public var createdAt: EpochMillis

    public init(tagID: TagID, command: TagCommand, createdAt: EpochMillis) {
        self.tagID = tagID
        self.command = command
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case tagID = "tag_id"
        case action, minutes, volume
        case createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tagID, forKey: .tagID)
        try container.encode(command.action, forKey: .action)
        try container.encode(command.minutes, forKey: .minutes)
        try container.encode(command.volume, forKey: .volume)
        try container.encode(createdAt, forKey: .createdAt)
    }
}
