// The node-x12 baseline of the X12 throughput bench: parses one interchange file N rounds with
// node-x12's X12Parser and prints one JSON line: the median MB/s (MB = 10^6 bytes), the number
// of transaction sets it found, and the process's peak RSS.
//
//   NODE_PATH=.switchyard/bench/peers/node-x12/node_modules node parse.js <file> [rounds]
'use strict';

const fs = require('fs');
const { X12Parser } = require('node-x12');

const [file, roundsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node parse.js <file> [rounds]');
  process.exit(2);
}
const rounds = Math.max(1, Number(roundsArg || 5));
// The file is read as text once, outside the timing: node-x12 parses strings.
const text = fs.readFileSync(file, 'utf8');
const bytes = Buffer.byteLength(text, 'utf8');

let sets = 0;
const seconds = [];
for (let i = 0; i < rounds; i++) {
  const started = process.hrtime.bigint();
  // Strict mode, as a receiver would run it: envelope problems throw.
  const interchange = new X12Parser(true).parse(text);
  sets = interchange.functionalGroups.reduce((n, g) => n + g.transactions.length, 0);
  seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
}
seconds.sort((a, b) => a - b);
const median = seconds[Math.floor(seconds.length / 2)];
console.log(JSON.stringify({
  peer: 'node-x12',
  version: require('node-x12/package.json').version,
  file_bytes: bytes,
  rounds,
  sets,
  median_ms: Number((median * 1e3).toFixed(3)),
  mb_per_s: Number((bytes / 1e6 / median).toFixed(1)),
  // resourceUsage().maxRSS is in KiB.
  peak_rss_kb: process.resourceUsage().maxRSS,
}));
