// The live benchmark's floor: a bare `ws` server that speaks just enough of graphql-transport-ws for graphql-ws
// clients (connection_init -> connection_ack, subscribe, complete, ping -> pong) and, on `POST /fire`, sends one
// prebuilt `next` message to every subscription in a single loop: no session, no access check, no GraphQL
// execution, no event bus, no slicing. What it takes for the last subscriber to hear an event is what this machine
// needs to move one small message to that many sockets, with the same clients on the same cores as Roster.
// Run by bench/scenarios/live/bare-floor.ts as a child process from packages/server (where `ws` is installed).
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

const { WebSocketServer } = createRequire(path.join(process.cwd(), 'package.json'))('ws');

/** socket -> the subscription's operation id */
const subscriptions = new Map();

const server = http.createServer((request, response) => {
  if (request.url === '/healthz') return void response.end('ok');
  if (request.method !== 'POST' || request.url !== '/fire') {
    response.statusCode = 404;
    return void response.end();
  }
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    const { type, userId } = JSON.parse(body);
    response.end(String(subscriptions.size));
    // Like Roster's hub, the fan-out starts after the answer has been handed to the socket.
    setImmediate(() => {
      const payload = JSON.stringify({
        data: { userEvents: { type, users: [{ id: userId, status: 'ACTIVE', invitationPending: false }] } },
      });
      for (const [socket, id] of subscriptions) socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
    });
  });
});

const sockets = new WebSocketServer({ server, path: '/graphql', perMessageDeflate: false });
sockets.on('connection', (socket) => {
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'subscribe') subscriptions.set(socket, message.id);
    else if (message.type === 'complete') subscriptions.delete(socket);
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
  });
  socket.on('close', () => subscriptions.delete(socket));
});

server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  for (const socket of subscriptions.keys()) socket.terminate();
  server.close(() => process.exit(0));
});
