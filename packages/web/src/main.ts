import { createApp } from 'vue';
import App from './app/App.vue';
import { ApolloClientKey, createApolloClient } from './app/apollo';
import { createAppRouter, handleUnauthenticated } from './app/router';
import { createSession, SessionKey } from './app/session';
import './app/styles.css';

// The error link needs the router, the router's guard needs the session, the session needs the client.
const client = createApolloClient({
  onUnauthenticated: (event) => handleUnauthenticated(router, session, event),
});
const session = createSession(client);
const router = createAppRouter(session);

createApp(App)
  .provide(ApolloClientKey, client)
  .provide(SessionKey, session)
  .use(router)
  .mount('#app');
