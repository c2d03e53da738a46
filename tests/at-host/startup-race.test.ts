// Start-up against a device whose boot `ready` is read after the first AT was written (the TCP
// emulator, or a real ESP32 that booted just as the host opened the port): the AT is not
// abandoned at once (issue 9 §3: start-up sends no command before the previous one is answered),
// it gets a short grace and its answer is taken; no two commands reach the device in one burst
// (it would answer the second with busy p...).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Duplex } from "node:stream";
import { AtDriver } from "../../src/at/driver/driver.js";

/** A scripted device: answers each command line; remembers every chunk it received. */
class ScriptedDevice extends Duplex {
  readonly chunks: string[] = [];
  private first = true;
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const text = chunk.toString("latin1");
    this.chunks.push(text);
    const lines = text.split("\r\n").filter((l) => l !== "");
    if (lines.length > 1) {
      // two commands in one burst: the device runs the first and discards the rest
      this.push(`${lines[0]}\r\n\r\nOK\r\n\r\nbusy p...\r\n`);
    } else if (this.first && lines[0] === "AT") {
      this.first = false;
      // the boot message was already on its way; the AT's answer follows a little later
      this.push("\r\nready\r\n");
      setTimeout(() => this.push("AT\r\n\r\nOK\r\n"), 20);
    } else {
      this.push(`${lines[0]}\r\n\r\nOK\r\n`);
    }
    done();
  }
}

test("a ready read after the first AT: its answer is waited for, nothing is written over it", async () => {
  const device = new ScriptedDevice();
  const driver = new AtDriver(device, { startTimeoutMs: 3000 });
  try {
    await driver.start();
    assert.equal(driver.profile.name, "master");
    // give any stray answer time to arrive, then check nothing was sent in one burst
    await new Promise((r) => setTimeout(r, 60));
    const sent = device.chunks.join("").split("\r\n").filter((l) => l);
    assert.deepEqual(sent, ["AT", "AT+WSDATAFMT=0,0,48"]);
    assert.equal(driver.echo, true);
    for (const c of device.chunks) assert.equal(c.split("\r\n").filter((l) => l).length, 1, `one command per write: ${JSON.stringify(c)}`);
  } finally {
    await driver.close();
    device.destroy();
  }
});
