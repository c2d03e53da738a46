// Worker thread entry: builds one WorkerRun from workerData, says "ready", runs when the main
// thread posts the common start time (or ends early when it posts "stop"), and posts its
// RecorderSnapshot. Each worker is its own
// event loop with its own codec instances, so connections on different workers never contend.

import { parentPort, workerData } from "node:worker_threads";
// The runtime's shell becomes the default one: the connections dial through it.
import "../runtime/index.js";
import { WorkerRun, type WorkerJob } from "./worker-run.js";

const port = parentPort!;
const job = workerData as WorkerJob;
const run = new WorkerRun(job);
let started = false;
port.on("message", (m: { type: string; startAtMs?: number }) => {
  if (m.type === "start" && !started) {
    started = true;
    job.startAtMs = m.startAtMs!;
    run.run().then(
      (snapshot) => port.postMessage({ type: "done", snapshot }),
      (err: unknown) => port.postMessage({ type: "failed", message: String((err as Error)?.message ?? err) }),
    );
  } else if (m.type === "stop") {
    // the user interrupted: end the run now, with what was counted
    run.stop();
  }
});
port.postMessage({ type: "ready" });
