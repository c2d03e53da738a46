# python-websockets 10.x with permessage-deflate, for tests/deflate/interop.test.ts.
#   deflate_peer.py server <config>       prints its port, echoes every message (compressed as negotiated)
#   deflate_peer.py client <config> <url> sends JSON-like messages of several sizes, checks each echo,
#                                         prints {"extensions": <response header>} then {"ok": n}
# <config>: "default" (python-websockets' defaults: window 12 bits, memLevel 5) or
#           "nocontext" (both no_context_takeover) or "window9" (both max_window_bits 9).
import asyncio, json, sys
import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory, ServerPerMessageDeflateFactory

SIZES = [0, 10, 1000, 5000, 70000, 300000]

def message(n, seed):
    text = ""
    i = 0
    while len(text) < n:
        text += json.dumps({"id": seed * 1000 + i, "name": "item%d" % (i % 37), "tags": ["a", "b", "c"][: 1 + i % 3]}) + ","
        i += 1
    return text[:n]

def kwargs(config, server):
    if config == "default":
        return {}
    nct = config == "nocontext"
    bits = 9 if config == "window9" else None
    if server:
        f = ServerPerMessageDeflateFactory(server_no_context_takeover=nct, client_no_context_takeover=nct,
                                           server_max_window_bits=bits, client_max_window_bits=bits)
    else:
        f = ClientPerMessageDeflateFactory(server_no_context_takeover=nct, client_no_context_takeover=nct,
                                           server_max_window_bits=bits, client_max_window_bits=bits or True)
    return {"compression": None, "extensions": [f]}

async def echo(ws, path):
    try:
        async for m in ws:
            await ws.send(m)
    except websockets.ConnectionClosed:
        pass

async def server(config):
    async with websockets.serve(echo, "127.0.0.1", 0, max_size=None, ping_interval=None, **kwargs(config, True)) as s:
        print(s.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(120)  # the test kills us long before; never run unbounded

async def client(config, url):
    async with websockets.connect(url, max_size=None, ping_interval=None, **kwargs(config, False)) as ws:
        print(json.dumps({"extensions": ws.response_headers.get("Sec-WebSocket-Extensions")}), flush=True)
        n = 0
        for seed in range(2):
            for size in SIZES:
                t = message(size, seed)
                await ws.send(t)
                r = await ws.recv()
                assert r == t, "text %d" % size
                b = t.encode()
                await ws.send(b)
                r = await ws.recv()
                assert r == b, "binary %d" % size
                n += 2
        print(json.dumps({"ok": n}), flush=True)

if sys.argv[1] == "server":
    asyncio.run(server(sys.argv[2]))
else:
    asyncio.run(asyncio.wait_for(client(sys.argv[2], sys.argv[3]), 60))
