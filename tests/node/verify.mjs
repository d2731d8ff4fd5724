// Verifies Standard Webhooks signatures with the reference npm package
// `standardwebhooks`, for herald's interoperability test.
//
// Reads one JSON object per line on standard input:
//   {"secret": "whsec_...", "id": "...", "timestamp": "1767225600",
//    "signature": "v1,... v1a,...", "body": "..." or "bodyBase64": "...",
//    "now": 1767225660}
// `now` (Unix seconds) replaces the clock that the package checks the
// timestamp against; without it the real clock is used.
//
// Prints one JSON object per input line: {"accepted": true} or
// {"accepted": false, "error": "..."}. The package (version 1.3.0) checks
// only "v1" signatures, so a line with "publicKey" in place of "secret"
// gets accepted false and an error that states this.

import { createInterface } from "node:readline";
import { Webhook } from "standardwebhooks";

function verify(request) {
  if (request.secret === undefined) {
    throw new Error("only `secret` is supported: standardwebhooks has no v1a verification");
  }
  const body =
    request.bodyBase64 !== undefined ? Buffer.from(request.bodyBase64, "base64") : request.body;
  const headers = {
    "webhook-id": request.id,
    "webhook-timestamp": String(request.timestamp),
    "webhook-signature": request.signature,
  };
  const realNow = Date.now;
  if (request.now !== undefined) Date.now = () => request.now * 1000;
  try {
    new Webhook(request.secret).verify(body, headers);
  } finally {
    Date.now = realNow;
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  try {
    verify(JSON.parse(line));
    console.log(JSON.stringify({ accepted: true }));
  } catch (error) {
    console.log(JSON.stringify({ accepted: false, error: String(error.message ?? error) }));
  }
}
