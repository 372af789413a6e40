import { fileURLToPath, URL } from 'node:url';
import { defineConfig, type Connect, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';

const apiTarget = process.env.ROSTER_API_URL ?? 'http://localhost:4000';

/** `/playground` serves playground.html in dev and preview too, as the server does in production. */
function playgroundRoute(): Plugin {
  const rewrite: Connect.NextHandleFunction = (req, _res, next) => {
    if (req.url === '/playground' || req.url?.startsWith('/playground?')) {
      req.url = req.url.replace('/playground', '/playground.html');
    }
    next();
  };
  return {
    name: 'roster-playground-route',
    configureServer: (server) => void server.middlewares.use(rewrite),
    configurePreviewServer: (server) => void server.middlewares.use(rewrite),
  };
}

export default defineConfig({
  plugins: [vue(), playgroundRoute()],
  build: {
    outDir: 'dist',
    // GraphiQL (with CodeMirror) is one ~800 kB chunk, loaded only by /playground.
    chunkSizeWarningLimit: 1000,
    emptyOutDir: true,
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        playground: fileURLToPath(new URL('./playground.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      '/graphql': { target: apiTarget, ws: true, changeOrigin: true },
      '/schema.graphql': { target: apiTarget, changeOrigin: true },
      '/api': { target: apiTarget, changeOrigin: true },
      '/webhooks': { target: apiTarget, changeOrigin: true },
    },
  },
});
