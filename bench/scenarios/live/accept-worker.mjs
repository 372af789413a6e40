// The live benchmark's mutations, sent from a worker thread: the subscribers' messages keep the main thread
// busy for up to ~0.04 ms each, and a response read there would be timed late by that much (the accept looked
// slower with subscribers than it was). Times are absolute (timeOrigin + now), so the main thread can compare them.
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

parentPort.on('message', async ({ id, url, body }) => {
  const sentAt = performance.timeOrigin + performance.now();
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await response.text();
    const respondedAt = performance.timeOrigin + performance.now();
    parentPort.postMessage({ id, status: response.status, text, sentAt, respondedAt });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) });
  }
});
