"""The reference for the Socket.IO benchmark: python-socketio on aiohttp, with the same "all"
event as our test server (broadcast the arguments to everyone, acknowledge with the count)."""
import sys

import socketio
from aiohttp import web

sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*", logger=False, engineio_logger=False)
app = web.Application()
sio.attach(app)


@sio.on("all")
async def broadcast(sid, event, *args):
    await sio.emit(event, tuple(args))
    return 0


if __name__ == "__main__":
    port = int(sys.argv[1])
    print(f"listening on port {port}", flush=True)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
