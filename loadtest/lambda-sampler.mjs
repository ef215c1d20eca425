// Samples the local Lambda emulator once a second while a load test runs: each function's
// environments, running and waiting invocations, and its invocation, cold-start, throttle and error
// counts, one JSON line per sample. Usage: node lambda-sampler.mjs <out.jsonl> [emulator URL]
import { appendFileSync, writeFileSync } from 'node:fs';

const [out, emulator = 'http://127.0.0.1:3001'] = process.argv.slice(2);
if (!out) {
  console.error('usage: node lambda-sampler.mjs <out.jsonl> [emulator URL]');
  process.exit(2);
}
writeFileSync(out, '');
const sample = async () => {
  try {
    const response = await fetch(new URL('/_test-tool/functions', emulator));
    appendFileSync(out, JSON.stringify({ at: Date.now(), functions: await response.json() }) + '\n');
  } catch (failure) {
    console.error(`no sample from ${emulator}: ${failure.message}`);
  }
};
const timer = setInterval(sample, 1000);
const stop = () => { clearInterval(timer); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
