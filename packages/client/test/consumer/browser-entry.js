// Bundled with esbuild for the browser from the consumer project's node_modules.
import { openStream } from '@causeflow/client';

window.received = [];
window.startStream = (url, token) => {
  const stream = openStream({ url, token, events: ['incident.created'] });
  stream.on('state', (state) => {
    window.streamState = state;
  });
  stream.on('incident.created', (event) => {
    window.received.push(event.data.title);
  });
};
