import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { buildSchema, type GraphQLSchema } from 'graphql';
// GraphiQL's stylesheet carries its fonts (Roboto, Fira Code) inline as data: URLs: nothing comes from a CDN,
// so the playground works offline (e2e/playground.browser.test.ts fails on any external reference).
import 'graphiql/graphiql.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { DEFAULT_TABS } from './default-tabs';

const wsProtocol = window.location.protocol === 'https:' ? 'wss' : 'ws';

/**
 * Queries and mutations go over HTTP POST to /graphql, subscriptions over graphql-ws on the same path. The
 * headers editor's contents go with every HTTP request, and (by @graphiql/toolkit) as the graphql-ws
 * connectionParams of each subscription's socket; the session cookie goes with both.
 */
const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  subscriptionUrl: `${wsProtocol}://${window.location.host}/graphql`,
  // Apollo's CSRF prevention: a header a simple cross-site form cannot send.
  headers: { 'apollo-require-preflight': 'true' },
  // The session cookie goes with every request, so the playground acts as the signed-in person.
  fetch: (input, init) => fetch(input, { ...init, credentials: 'include' }),
});

/**
 * The published SDL (public, like the API's documentation): the docs explorer and completion work before
 * signing in or pasting a key, whereas introspection is refused to anonymous callers. Without it (an older
 * server, a network error) GraphiQL introspects as usual.
 */
async function publishedSchema(): Promise<GraphQLSchema | undefined> {
  try {
    const response = await fetch('/schema.graphql');
    return response.ok ? buildSchema(await response.text()) : undefined;
  } catch (error) {
    console.warn('Could not read /schema.graphql; the playground introspects instead.', error);
    return undefined;
  }
}

const container = document.getElementById('playground');
if (!container) throw new Error('Missing #playground element');

createRoot(container).render(
  createElement(
    GraphiQL,
    {
      fetcher,
      schema: await publishedSchema(),
      defaultTabs: DEFAULT_TABS,
      // Headers may hold an API key: keep them out of localStorage (GraphiQL then hides the setting too).
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
    },
    // Our own name in the corner, instead of GraphiQL's logo (a link to GitHub), and the way back to the dashboard.
    createElement(
      GraphiQL.Logo,
      null,
      createElement('span', { className: 'roster-name' }, 'Roster API'),
      createElement('a', { className: 'roster-back', href: '/users', 'data-testid': 'back-to-dashboard' }, 'Back to dashboard'),
    ),
  ),
);
