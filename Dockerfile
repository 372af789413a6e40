# syntax=docker/dockerfile:1
# Roster's container image: the production bundle of `pnpm bundle` (scripts/bundle.mjs) on node:20-slim, run as an
# unprivileged user. e2e/bundle.test.ts reads this file: it runs the bundle command of the build stage and starts the
# bundle with the runtime stage's CMD, so what is tested is what this image runs. docs/OPERATIONS.md describes the
# configuration; compose.yaml runs two instances with MariaDB and Redis.

FROM node:20-slim AS build
WORKDIR /src
# better-sqlite3 (the embedded database) compiles when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# pnpm through corepack (a current corepack: older ones ship outdated registry signing keys).
RUN npm install -g corepack@latest && corepack enable && corepack prepare pnpm@10.34.9 --activate
# Dependencies first, so a change of source code reuses this layer.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/server/package.json packages/server/
COPY packages/web/package.json packages/web/
COPY packages/schema/package.json packages/schema/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm bundle dist/bundle

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    ROSTER_DATA_DIR=/data
WORKDIR /app
# The code belongs to root and is read-only for the process; only /data (the embedded SQLite default and its
# generated credentials key, unused with DATABASE_URL) is writable by it.
COPY --from=build /src/dist/bundle/ ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 4000
# /readyz: 200 when the database answers, every migration is applied and Redis (when configured) is reachable.
# node:20-slim has no curl; node's own fetch asks.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "server/dist/main.js"]
