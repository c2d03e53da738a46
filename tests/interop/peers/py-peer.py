"""Interop peer on Debian's python3-websockets (10.4, legacy asyncio API); run with /usr/bin/python3.

  py-peer.py server [--tls CERT KEY]   prints "LISTENING <port>"
  py-peer.py client <url> [--ca CA]

Same behaviour as js-peer.mjs: echo with the same type; text commands cmd:close:<code>:<reason>,
cmd:ping:<payload>, cmd:frag; prints "CLOSED <code> <reason>" when the connection closes.
"""
import asyncio
import ssl
import sys

import websockets


def flag(name, n=1):
    if name not in sys.argv:
        return None
    i = sys.argv.index(name)
    return sys.argv[i + 1:i + 1 + n]


def out(s):
    print(s, flush=True)


async def behave(ws):
    try:
        async for m in ws:
            if isinstance(m, str) and m.startswith("cmd:"):
                parts = m.split(":")
                verb = parts[1]
                if verb == "close":
                    await ws.close(int(parts[2]), ":".join(parts[3:]))
                    continue
                if verb == "ping":
                    await ws.ping(":".join(parts[2:]).encode())
                    continue
                if verb == "frag":
                    await ws.send(["frag-1", "frag-2", "frag-3"])
                    continue
            await ws.send(m)
    except websockets.ConnectionClosed:
        pass
    out("CLOSED %s %s" % (ws.close_code, ws.close_reason or ""))


async def server():
    tls = flag("--tls", 2)
    ctx = None
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
    async with websockets.serve(behave, "127.0.0.1", 0, ssl=ctx, max_size=2 ** 25) as srv:
        port = srv.sockets[0].getsockname()[1]
        out("LISTENING %d" % port)
        await asyncio.Future()


async def client(url):
    ca = flag("--ca")
    ctx = None
    if url.startswith("wss:"):
        ctx = ssl.create_default_context(cafile=ca[0] if ca else None)
    async with websockets.connect(url, ssl=ctx, max_size=2 ** 25) as ws:
        await behave(ws)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        asyncio.run(server())
    else:
        asyncio.run(client(sys.argv[2]))
