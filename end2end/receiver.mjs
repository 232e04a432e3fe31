// A webhook receiver for the browser tests: answers every POST with 200 and appends
// {path, headers, body} as one JSON line to the file named by its second argument.
// Usage: node receiver.mjs PORT FILE
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";

const [port, file] = process.argv.slice(2);
createServer((request, response) => {
  let body = "";
  request.setEncoding("utf8");
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    appendFileSync(file, JSON.stringify({ path: request.url, headers: request.headers, body }) + "\n");
    response.writeHead(200).end("ok");
  });
}).listen(Number(port), "127.0.0.1");
