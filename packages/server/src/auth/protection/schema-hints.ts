import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { RequestContext } from '../../core/context.js';

/** graphql-js's suggestions in validation errors: `Cannot query field "emial" on type "User". Did you mean "email"?` */
const SUGGESTION = /\s*Did you mean [^?]*\?/;

/**
 * "Did you mean ...?" suggestions name fields, types and arguments of the schema: they help whoever writes
 * queries, so signed-in people and API keys keep them, but they would let an anonymous caller map the schema
 * by guessing (introspection is refused to them for the same reason), so their errors lose the suggestions.
 */
export function schemaHintsPlugin(): ApolloServerPlugin<RequestContext> {
  // One listener for every request: it keeps nothing between hooks.
  const listener: GraphQLRequestListener<RequestContext> = {
    async willSendResponse({ response, contextValue }) {
      if (response.body.kind !== 'single') return;
      const errors = response.body.singleResult.errors;
      if (!errors?.some((error) => SUGGESTION.test(error.message))) return;
      const authenticated = await contextValue.viewer().then(
        () => true,
        () => false,
      );
      if (authenticated) return;
      response.body.singleResult.errors = errors.map((error) => ({ ...error, message: error.message.replace(SUGGESTION, '') }));
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
