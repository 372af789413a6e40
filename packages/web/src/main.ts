import { createApp } from 'vue';
import App from './app/App.vue';
import { ApolloClientKey, createApolloClient } from './app/apollo';
import { createLiveConnection, LiveConnectionKey } from './app/live-connection';
import { createAppRouter, handleUnauthenticated } from './app/router';
import { createSession, SessionKey } from './app/session';
import './app/styles.css';

// The error link needs the router, the router's guard needs the session, the session needs the client.
// The live connection (the WebSocket's state) sends the app to sign in when the server ends the session.
const live = createLiveConnection({
  onSessionEnded: (event) => handleUnauthenticated(router, session, event),
});
const client = createApolloClient({
  onUnauthenticated: (event) => handleUnauthenticated(router, session, event),
  live,
});
const session = createSession(client);
const router = createAppRouter(session);

createApp(App)
  .provide(ApolloClientKey, client)
  .provide(SessionKey, session)
  .provide(LiveConnectionKey, live)
  .use(router)
  .mount('#app');
