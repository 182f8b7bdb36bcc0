// The baseline of the subscriber scenario (bench/scale.ts): a bare `ws` server, run as a process
// of its own like the gateway. Sockets open at /ws; POST /broadcast writes the request's body, as
// one text message, to every open socket (ws.send in a loop, nothing else: no protocol, no
// per-socket state of ours). GET /healthz answers ok. Listens on PORT (0: any) at HOST (127.0.0.1).
// perMessageDeflate is off, as the gateway's (ws's default for a server).
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"status":"ok"}');
  }
  if (req.method !== 'POST' || req.url !== '/broadcast') {
    res.writeHead(404);
    return res.end();
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let sent = 0;
    for (const ws of wss.clients) {
      ws.send(text);
      sent += 1;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sent }));
  });
});
server.on('upgrade', (req, socket, head) => {
  if (req.url !== '/ws') return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => console.log(`raw ws broadcast listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
