// Runs graphql-http's auditServer (the GraphQL-over-HTTP spec's reference checks) against a live
// endpoint and prints one JSON report on stdout. Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Exit status 0 whenever the audit ran (the caller judges the counts), 2 on a usage or fatal error.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const failures = [];
for (const result of results) {
  counts[result.status] += 1;
  if (result.status !== 'ok') {
    failures.push({
      id: result.id,
      name: result.name,
      status: result.status,
      reason: result.reason,
      httpStatus: result.response?.status ?? null,
    });
  }
}
console.log(JSON.stringify({ url, total: results.length, counts, failures }, null, 2));
