/**
 * An SMTP server that only counts, in a process of its own (the send benchmark's relay): no
 * reverse lookups, nothing parsed or written. It tells its parent its port, and on each
 * `{ ask: 'count' }` the messages accepted so far and when the first and the last arrived.
 */
import { SMTPServer } from 'smtp-server';

let accepted = 0;
let firstAt = 0;
let lastAt = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  disableReverseLookup: true,
  logger: false,
  size: 50 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      accepted++;
      lastAt = Date.now();
      if (!firstAt) firstAt = lastAt;
      callback();
    });
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (message: { ask?: string }) => {
  if (message.ask === 'count') process.send?.({ accepted, firstAt, lastAt });
  if (message.ask === 'reset') {
    accepted = 0;
    firstAt = 0;
    lastAt = 0;
    process.send?.({ reset: true });
  }
});
process.on('disconnect', () => process.exit(0));
