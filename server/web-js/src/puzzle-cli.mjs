// For the tests and for choosing difficulties, with puzzle.js unchanged:
//   node puzzle-cli.mjs hash <challenge b64url> <nonce hex>       → the attempt's hash, hex
//   node puzzle-cli.mjs solve <challenge b64url> <difficulty> [start nonce hex]
//                                   → the Jasmine-Puzzle header value; on stderr the
//                                     attempts and the milliseconds per attempt
//   node puzzle-cli.mjs bench [attempts]   → {"attempts","median_ms","mean_ms"} of the hash
import { base64urlDecode, createSolver, nonceFromHex, puzzleHash, toHex } from "./puzzle.js";

const [command, ...args] = process.argv.slice(2);
if (command === "hash") {
  process.stdout.write(toHex(puzzleHash(base64urlDecode(args[0]), nonceFromHex(args[1]))));
} else if (command === "solve") {
  if (!/^[0-9]+$/.test(args[1] || "")) throw new Error("the difficulty is a number");
  const solver = createSolver(args[0], Number(args[1]), { startNonce: args[2] });
  const began = performance.now();
  const header = solver.step();
  const ms = performance.now() - began;
  process.stdout.write(header);
  process.stderr.write(`attempts ${solver.attempts}, ${(ms / solver.attempts).toFixed(3)} ms per attempt\n`);
} else if (command === "bench") {
  const count = Number(args[0] || 50);
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const nonce = new Uint8Array(8);
  puzzleHash(challenge, nonce); // warm up
  const times = [];
  for (let i = 0; i < count; i++) {
    nonce[0] = i & 0xff;
    nonce[1] = i >> 8;
    const began = performance.now();
    puzzleHash(challenge, nonce);
    times.push(performance.now() - began);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = (sorted[(count - 1) >> 1] + sorted[count >> 1]) / 2;
  const mean = times.reduce((a, b) => a + b, 0) / count;
  process.stdout.write(JSON.stringify({ attempts: count, median_ms: +median.toFixed(3), mean_ms: +mean.toFixed(3) }));
} else {
  throw new Error("unknown command " + command);
}
