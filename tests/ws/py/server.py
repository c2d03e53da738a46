# A python-websockets 10.x server for the interop tests. Prints its port, then serves:
#   /echo       echo every message with its type
#   /frag       send one fragmented text message "abcdef" (3 frames), then echo
#   /ping       ping with b"pyping", send "got pong" when the pong arrives, then echo
#   /close      close with 4002 "py bye"
#   /report     wait for the client to close; print {"closed": code, "reason": ...} on stdout
import asyncio, json, sys
import websockets

async def handler(ws, path):
    try:
        await serve_path(ws, path)
    except websockets.ConnectionClosed:
        pass  # any close code is fine here; the tests check what they need

async def serve_path(ws, path):
    if path.startswith("/frag"):
        await ws.send(iter(["ab", "cd", "ef"]))
    elif path.startswith("/ping"):
        waiter = await ws.ping(b"pyping")
        await asyncio.wait_for(waiter, 10)
        await ws.send("got pong")
    elif path.startswith("/close"):
        await ws.close(4002, "py bye")
        return
    elif path.startswith("/report"):
        try:
            async for _ in ws:
                pass
        finally:
            print(json.dumps({"closed": ws.close_code, "reason": ws.close_reason}), flush=True)
        return
    async for message in ws:
        await ws.send(message)

async def main():
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None, ping_interval=None) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(120)  # the test kills us long before; never run unbounded

asyncio.run(main())
