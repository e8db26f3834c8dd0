# Parley: the chat server, listening on 9000. Built as `avitochat:latest` for the seed's deployment:
#   docker build -t avitochat:latest .

# Build stage: TypeScript is compiled, dev dependencies dropped. better-sqlite3 brings its addon compiled
# for amd64 and arm64; an npm that does not read package.json's allowScripts still runs node-gyp on it, a
# no-op that needs python3 and make, and on other platforms it compiles here.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci
RUN npm prune --omit=dev

# Run stage: production dependencies and compiled code only, as the unprivileged `node` user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=9000
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 9000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||9000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
