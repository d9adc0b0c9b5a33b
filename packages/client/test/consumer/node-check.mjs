// Run with plain Node in the consumer project: imports both packages (ESM), opens a stream to
// the URL and token given as arguments, prints "open", then the first incident.created as JSON.
import { openStream } from '@causeflow/client';
import { validateEvent } from '@causeflow/events';

const [url, token] = process.argv.slice(2);
const stream = openStream({ url, token, events: ['incident.created'] });
stream.on('state', (state) => {
  if (state === 'open') process.stdout.write('open\n');
});
for await (const event of stream) {
  const { ok } = validateEvent(event);
  process.stdout.write(`${JSON.stringify({ event: event.event, title: event.data.title, ok })}\n`);
  break;
}
