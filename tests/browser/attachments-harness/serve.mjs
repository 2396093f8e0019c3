// The stand-in server alone, for trying the page by hand or with attachments.mjs:
//   node serve.mjs <fixtures folder>   → prints its URL; Ctrl+C stops it.
import { startServer } from "./server.mjs";

const server = await startServer({ fixtures: process.argv[2] });
console.log(server.url);
