import type { CodegenConfig } from '@graphql-codegen/cli';

/** Turns the web app's .graphql documents into TypedDocumentNodes checked against the committed SDL. */
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['../web/src/**/*.graphql'],
  generates: {
    './generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTimeISO: 'string', ID: 'string' },
        avoidOptionals: { field: true, inputValue: false, object: false },
      },
    },
  },
};
export default config;
