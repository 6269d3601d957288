import Foundation
import MusicBoxCore
import SocketIO

/// What each MQTT command (`<base>/cmd/<name>`) does, read from its payload: the operations whose
/// ``APIOperation/mqtt`` names them, each refused as its HTTP route would be (``AccessGuard``).
/// A payload is a JSON object with the HTTP route's fields, or the one plain value the command
/// takes: `volume` 40, `volume_step` -5, `playlist` an id or a title, `sleep` minutes (0 or
/// `off`: off), `tag` a tag id (played as if placed); the others take none.
enum MQTTCommands {
    typealias Run = @Sendable (StateManager, String) async throws(BoxError) -> Void

    /// The operation an MQTT command name belongs to.
    static func operation(named name: String) -> APIOperation? { OperationTable.all.first { $0.mqtt == name } }

    static func read(_ operation: APIOperation, payload: [UInt8], state: StateManager) async throws(BoxError) -> Run {
        let text = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let fields = try object(text)
        switch operation {
        case .play: return try SharedCommands.play.read(fields ?? OperationFields(nil)).perform
        case .pause: return try SharedCommands.pause.read(OperationFields(nil)).perform
        case .toggle: return try SharedCommands.toggle.read(OperationFields(nil)).perform
        case .stop: return try SharedCommands.stop.read(OperationFields(nil)).perform
        case .next: return try SharedCommands.next.read(OperationFields(nil)).perform
        case .previous: return try SharedCommands.previous.read(OperationFields(nil)).perform
        case .volume:
            if let fields { return try SharedCommands.volume.read(fields).perform }
            return AnyOperation(SetVolume(volume: try number(text, field: "volume"))).perform
        case .volumeStep:
            let step = try number(text, field: "volume_step")
            guard (-100...100).contains(step) else { throw .validation(field: "volume_step", "volume_step must be from -100 to 100.") }
            return AnyOperation(ChangeVolume(by: step)).perform
        case .sleep:
            if let fields { return try SharedCommands.sleep.read(fields).perform }
            if text.lowercased() == "off" { return AnyOperation(SetSleepTimer(mode: "off")).perform }
            let minutes = try number(text, field: "minutes")
            return AnyOperation(SetSleepTimer(mode: minutes == 0 ? "off" : "minutes", minutes: minutes == 0 ? nil : minutes)).perform
        case .stopAfterTrack:
            return AnyOperation(SetSleepTimer(mode: text.lowercased() == "off" ? "off" : "end_of_track")).perform
        case .startPlaylist:
            var wanted = text
            if let fields {
                let id = try fields.string("playlist_id")
                let title = try fields.string("title")
                wanted = id ?? title ?? ""
            }
            return AnyOperation(PlayPlaylist(playlistID: try await playlist(wanted, state: state))).perform
        case .playTag:
            var wanted = text
            if let fields { wanted = try fields.string("tag_id") ?? "" }
            guard let tag = TagID(wanted) else { throw BoxError.invalidTagID }
            return { state, _ in _ = await state.tag(.placed(tag)) }
        default:
            throw BoxError(.notFound, "No such MQTT command.", details: ["command": operation.mqtt ?? operation.name])
        }
    }

    /// A playlist by its id, else by its title (letter case aside).
    private static func playlist(_ text: String, state: StateManager) async throws(BoxError) -> PlaylistID {
        if let id = PlaylistID(text), await state.hasPlaylist(id) { return id }
        guard let found = await state.playlist(titled: text) else {
            throw BoxError(.notFound, "No playlist has that id or title.", details: ["playlist": String(text.prefix(100))])
        }
        return found
    }

    private static func object(_ text: String) throws(BoxError) -> OperationFields? {
        guard text.hasPrefix("{") else { return nil }
        guard let value = try? SocketValue(jsonText: text), value.objectValue != nil else {
            throw BoxError.validation(field: "payload", "The payload is not a JSON object.")
        }
        return OperationFields(value)
    }

    private static func number(_ text: String, field: String) throws(BoxError) -> Int {
        guard let value = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
            throw BoxError.validation(field: field, "\(field) must be a whole number.")
        }
        return value
    }
}
