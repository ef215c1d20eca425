// Turns an Artillery run (`artillery run --output run.json`) and the Lambda samples taken beside it
// (lambda-sampler.mjs) into one HTML page: latency percentiles and throughput over time, and the
// Lambda side over the same time (environments, running and waiting invocations, cold starts,
// throttles). Usage: node report.mjs <run.json> [lambda.jsonl] [out.html]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [runFile, lambdaFile = 'results/lambda.jsonl', outFile = runFile?.replace(/\.json$/, '.html')] = process.argv.slice(2);
if (!runFile) {
  console.error('usage: node report.mjs <run.json> [lambda.jsonl] [out.html]');
  process.exit(2);
}
const run = JSON.parse(readFileSync(runFile, 'utf8'));
const samples = existsSync(lambdaFile)
  ? readFileSync(lambdaFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
  : [];

const periods = run.intermediate.map((period) => ({
  at: Number(period.period),
  latency: period.summaries?.['http.response_time'] ?? {},
  rate: period.rates?.['http.request_rate'] ?? 0,
  failed: Object.entries(period.counters ?? {})
    .filter(([name]) => /^http\.codes\.(429|5\d\d)$/.test(name) || name.startsWith('errors.'))
    .reduce((sum, [, count]) => sum + count, 0),
}));
const start = Math.min(...periods.map((period) => period.at), ...samples.map((sample) => sample.at));
const seconds = (at) => (at - start) / 1000;

// One SVG line chart: series of [x seconds, y] points, each with a name and a colour.
function chart(title, unit, series) {
  const width = 720, height = 220, left = 48, bottom = 24, top = 12;
  const points = series.flatMap((line) => line.points);
  const maxX = Math.max(1, ...points.map(([x]) => x));
  const maxY = Math.max(1, ...points.map(([, y]) => y));
  const x = (value) => left + (value / maxX) * (width - left - 8);
  const y = (value) => height - bottom - (value / maxY) * (height - bottom - top);
  const lines = series.map((line) =>
    `<polyline fill="none" stroke="${line.colour}" stroke-width="2" points="${line.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ')}"/>`);
  const legend = series.map((line) => `<span style="color:${line.colour}">■ ${line.name}</span>`).join(' ');
  return `<section><h2>${title}</h2><div class="legend">${legend}</div>
<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}">
<line x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" stroke="#999"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#999"/>
<text x="4" y="${top + 8}">${Math.round(maxY)} ${unit}</text><text x="4" y="${height - bottom}">0</text>
<text x="${width - 60}" y="${height - 4}">${Math.round(maxX)} s</text>
${lines.join('\n')}</svg></section>`;
}

const latency = ['p50', 'p95', 'p99'].map((name, index) => ({
  name, colour: ['#2b8a3e', '#e67700', '#c92a2a'][index],
  points: periods.map((period) => [seconds(period.at), period.latency[name] ?? 0]),
}));
const throughput = [
  { name: 'requests/s', colour: '#1c7ed6', points: periods.map((period) => [seconds(period.at), period.rate]) },
  { name: '429, 5xx and errors', colour: '#c92a2a', points: periods.map((period) => [seconds(period.at), period.failed]) },
];
const names = [...new Set(samples.flatMap((sample) => sample.functions.map((fn) => fn.name)))];
const palette = ['#1c7ed6', '#7048e8', '#e67700', '#2b8a3e', '#c92a2a', '#868e96'];
const lambda = (field) => names.map((name, index) => ({
  name, colour: palette[index % palette.length],
  points: samples.map((sample) => [seconds(sample.at), sample.functions.find((fn) => fn.name === name)?.[field] ?? 0]),
}));

const aggregate = run.aggregate;
const summary = aggregate.summaries?.['http.response_time'] ?? {};
const codes = Object.entries(aggregate.counters).filter(([name]) => name.startsWith('http.codes.') || name.startsWith('errors.'))
  .map(([name, count]) => `<tr><td>${name}</td><td>${count}</td></tr>`).join('');
const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Load test report</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#1b1b1f}section{margin:16px 0}h2{font-size:15px;margin:4px 0}
.legend span{margin-right:12px;font-size:13px}svg text{font-size:11px;fill:#555}table{border-collapse:collapse}td{padding:2px 10px;border-top:1px solid #ddd}</style></head>
<body><h1>Load test: ${aggregate.counters['http.requests'] ?? 0} requests, ${aggregate.counters['vusers.completed'] ?? 0} virtual players completed, ${aggregate.counters['vusers.failed'] ?? 0} failed</h1>
<p>Latency over the whole run: p50 ${summary.p50} ms, p95 ${summary.p95} ms, p99 ${summary.p99} ms, max ${summary.max} ms.</p>
<table>${codes}</table>
${chart('Latency per period', 'ms', latency)}
${chart('Throughput per period', '/s', throughput)}
${samples.length ? chart('Lambda: execution environments', '', lambda('environments'))
    + chart('Lambda: running invocations (ConcurrentExecutions)', '', lambda('activeInvocations'))
    + chart('Lambda: invocations waiting for an environment', '', lambda('waitingInvocations'))
    + chart('Lambda: cold starts (cumulative)', '', lambda('coldStarts'))
    + chart('Lambda: throttles (cumulative)', '', lambda('throttles'))
    : '<p>No Lambda samples (run lambda-sampler.mjs beside the test).</p>'}
</body></html>`;
writeFileSync(outFile, html);
console.log(`wrote ${outFile}`);
