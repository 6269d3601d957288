import Foundation
import MusicBoxCore
import SocketIO

/// The box's side of the Socket.IO contract (CONTRACT.md §2–§4), on top of the protocol-only
/// `SocketIO` module. This first part greets each client; rooms, joins, state events and sync
/// follow (issue 4).
public enum RealtimeGateway {
    public static func install(on io: SocketIOServer, state: StateManager) {
        let sockets = io.sockets
        // `connection_status`: who the client is, where the event order stands, and which boot this is.
        sockets.onConnection { socket in
            let serverSeq = await state.currentServerSeq
            socket.emit("connection_status", [
                "status": "connected",
                "sid": .string(socket.id),
                "server_seq": .int(Int64(serverSeq)),
                "server_epoch": .string(state.serverEpoch),
                "server_time": .int(Date().epochMillis),
            ])
        }
    }
}
