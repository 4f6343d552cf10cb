# syntax=docker/dockerfile:1
# The tresor image: `tresor <command>` (server, dns, operator, kv, ...) on Node 20.
#   docker build -t tresor:local .
#   docker run --rm tresor:local version

# ---- build: install every dependency, compile TypeScript to dist/, keep production deps only
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script would build before the sources are here (the build
# runs below); no runtime dependency needs an install script.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY dns ./dns
COPY consul ./consul
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: compiled code, production node_modules, an unprivileged user
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# `tresor` on PATH for `docker compose exec tresor1 tresor status`; the folders the compose
# file mounts volumes on belong to `node`, so new volumes do too.
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh dist/src/main.js \
  && ln -s /app/dist/src/main.js /usr/local/bin/tresor \
  && mkdir -p /etc/tresor /var/lib/tresor-init /var/lib/tresor-demo \
  && chown node:node /var/lib/tresor-init /var/lib/tresor-demo
USER node
EXPOSE 8200 8201
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["version"]
