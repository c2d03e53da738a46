# A python-websockets 10.x client for the interop tests against our server. Prints one JSON
# object per line for each check it made, and exits 0 if all passed.
import asyncio, json, os, sys
import websockets

SIZES = [0, 1, 125, 126, 65535, 65536, 16 * 1024 * 1024]

def text_of_bytes(n):
    return "a\u00e9\u20ac" * (n // 6) + "z" * (n - (n // 6) * 6)

def out(obj):
    print(json.dumps(obj), flush=True)

async def main(url):
    async with websockets.connect(url + "/echo", max_size=None, ping_interval=None, subprotocols=["chat"]) as ws:
        out({"subprotocol": ws.subprotocol})
        for n in SIZES:
            b = os.urandom(n)
            await ws.send(b)
            r = await ws.recv()
            assert isinstance(r, bytes) and r == b, f"binary {n}"
            t = text_of_bytes(n)
            await ws.send(t)
            r = await ws.recv()
            assert isinstance(r, str) and r == t, f"text {n}"
            out({"echo": n})
        await ws.send(iter(["fr", "ag", "ment"]))
        r = await ws.recv()
        assert r == "fragment", r
        out({"fragments": r})
        waiter = await ws.ping(b"pp")
        await asyncio.wait_for(waiter, 10)
        out({"pong": True})
        r = await ws.recv()  # the server pings us and then sends "pinged"
        out({"after_ping": r})
        await ws.close(4003, "py client bye")
        out({"close_code": ws.close_code, "close_reason": ws.close_reason})
    async with websockets.connect(url + "/close-me", ping_interval=None) as ws:
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed as e:
            out({"server_closed": e.code, "reason": e.reason})

asyncio.run(asyncio.wait_for(main(sys.argv[1]), 90))
