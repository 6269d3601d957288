import MusicBoxCore
import Parental
import SocketIO

/// NFC linking over Socket.IO (CONTRACT §5). The requester joins the `nfc` room, where every
/// change of the session is published (`nfc_status`, `nfc_association_state`); the
/// acknowledgement answers `{success, data}` or `{success: false, error_type, message}`.
///
/// | event | fields |
/// |---|---|
/// | `start_nfc_link` | `playlist_id`, `timeout_s?` (60) |
/// | `stop_nfc_link` | `assoc_id` |
/// | `override_nfc_tag` | `tag_id`, `playlist_id`, `force: true` |
extension RealtimeGateway {
    func installAssociation() {
        association(.startLinking) { state, socket, fields in
            guard let playlist = try fields.playlistID("playlist_id") else { throw BoxError.validation(field: "playlist_id", "playlist_id is required.") }
            socket.join(Room.nfc.description)
            let timeout = try fields.int("timeout_s") ?? 60
            let status = try await state.startAssociation(playlistID: playlist, timeoutSeconds: timeout)
            return try SocketValue.encoding(AssociationStatusPayload(status: status))
        }
        association(.stopLinking) { state, _, fields in
            let id = try fields.require(fields.string("assoc_id"), "assoc_id")
            return try SocketValue.encoding(AssociationStatusPayload(status: try await state.stopAssociation(id)))
        }
        association(.overrideTag) { state, _, fields in
            let text = try fields.require(fields.string("tag_id"), "tag_id")
            guard let tag = TagID(text) else { throw BoxError.invalidTagID }
            guard let playlist = try fields.playlistID("playlist_id") else { throw BoxError.validation(field: "playlist_id", "playlist_id is required.") }
            guard try fields.bool("force") == true else {
                throw BoxError.validation(field: "force", "force must be true: the tag then stops playing its current playlist.")
            }
            return try SocketValue.encoding(try await state.overrideTag(tag, playlistID: playlist))
        }
    }

    private func association(_ operation: APIOperation, _ run: @escaping @Sendable (StateManager, Socket, OperationFields) async throws -> SocketValue) {
        on(operation) { socket, arguments, reply in
            let fields = OperationFields(arguments.first)
            do {
                let data = try await run(self.state, socket, fields)
                reply.acknowledge(OperationReporter.success(clientOpID: fields.clientOpID, data: data, serverSeq: await self.state.currentServerSeq))
            } catch {
                let error = (error as? BoxError) ?? BoxError(.validationError, "The fields of \(operation.event ?? operation.name) could not be read.")
                reply.acknowledge(OperationReporter.failure(clientOpID: fields.clientOpID, error: error, serverSeq: await self.state.currentServerSeq))
            }
        }
    }
}
