import MusicBoxCore
import SocketIO

/// Operations over Socket.IO: the same commands as the HTTP routes, for clients that keep a
/// socket open anyway (phones as remote controls). Each takes one object argument, which may carry
/// `client_op_id`; the result comes back as `ack:op`/`err:op` to this socket (when a
/// `client_op_id` was given) and through the acknowledgement callback (when one was given).
///
/// | event | fields |
/// |---|---|
/// | `player:play` | `playlist_id?`, `track_index?`, `position_ms?` |
/// | `player:pause`, `player:toggle`, `player:stop`, `player:next`, `player:previous` | — |
/// | `player:seek` | `position_ms` |
/// | `player:volume` | `volume?`, `muted?` |
/// | `player:repeat` | `mode` (`none`/`one`/`all`) |
/// | `player:shuffle` | `enabled` |
/// | `player:sleep` | `mode` (`minutes`/`end_of_track`/`end_of_playlist`/`off`), `minutes?` |
/// | `playlist:create` | `title`, `description?` |
/// | `playlist:update` | `playlist_id`, `title?`, `description?` |
/// | `playlist:delete` | `playlist_id` |
extension RealtimeGateway {
    /// Every shared command with an event, read by its ``SharedCommand`` reader.
    func installOperations() {
        for command in SharedCommands.all where command.operation.event != nil {
            operation(command)
        }
    }

    private func operation(_ command: SharedCommand) {
        on(command.operation) { socket, arguments, reply in
            let fields = OperationFields(arguments.first)
            let opID = fields.clientOpID
            do throws(BoxError) {
                _ = try fields.validatedClientOpID()
                let operation = try command.read(fields)
                reply.acknowledge(await operation.runForSocket(self.operations, opID, self.client(of: socket), socket))
            } catch {
                // Refused before reaching the state manager (malformed fields): the same answers.
                let payload = OperationReporter.failure(clientOpID: opID, error: error, serverSeq: await self.state.currentServerSeq)
                if opID != nil { socket.emit("err:op", payload) }
                reply.acknowledge(payload)
            }
        }
    }
}
