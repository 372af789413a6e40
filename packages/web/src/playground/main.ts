import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

const wsProtocol = window.location.protocol === 'https:' ? 'wss' : 'ws';

const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  subscriptionUrl: `${wsProtocol}://${window.location.host}/graphql`,
  // Apollo's CSRF prevention: a header a simple cross-site form cannot send.
  headers: { 'apollo-require-preflight': 'true' },
  // The session cookie goes with every request, so the playground acts as the signed-in person.
  fetch: (input, init) => fetch(input, { ...init, credentials: 'include' }),
});

const defaultQuery = `# Roster GraphQL API. Requests use your dashboard session.
query Me {
  me {
    person { email name }
    currentAccount { name }
    role
  }
}
`;

const container = document.getElementById('playground');
if (!container) throw new Error('Missing #playground element');

createRoot(container).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery,
    shouldPersistHeaders: false,
  }),
);
