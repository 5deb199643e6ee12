// Closed-loop readers for the upload-with-readers scenario, in a process of their own so their
// load never waits on the bench's own event loop (which sends the upload). argv: url connections.
// Loads until its stdin ends, then prints one JSON line: requests, req/s, p99 ms, failures.
import autocannon from 'autocannon';

const [url, connections] = process.argv.slice(2);
const instance = autocannon({ url: url!, connections: Number(connections), duration: 3600, timeout: 30 }, (error, result) => {
  if (error) throw error;
  const figures = {
    requests: result['2xx'],
    reqPerSec: result.requests.average,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => instance.stop());
