import { createApp } from 'vue';
import App from './app/App.vue';
import { ApolloClientKey, createApolloClient } from './client/apollo';
import { createLiveConnection, LiveConnectionKey } from './client/live-connection';
import { createAppRouter } from './app/router';
import { createSession, SessionKey } from './client/session';
import { handleUnauthenticated } from './client/sign-in-redirect';
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

createApp(App).provide(ApolloClientKey, client).provide(SessionKey, session).provide(LiveConnectionKey, live).use(router).mount('#app');
