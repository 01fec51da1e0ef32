# reachout in a container: docker compose up -d (see compose.yaml and docs/deploy.md).
# Two stages: wheels are built with the full toolchain, the image keeps only what runs.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE MANIFEST.in ./
COPY bot bot
COPY adapters adapters
COPY storage storage
COPY reachout reachout
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
LABEL org.opencontainers.image.title="reachout" \
      org.opencontainers.image.description="Discord and Slack bot for informational-interview outreach" \
      org.opencontainers.image.licenses="MIT"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    REACHOUT_DATABASE=/data/reachout.db \
    REACHOUT_LOG_FORMAT=json \
    REACHOUT_HEALTH_HOST=127.0.0.1 \
    REACHOUT_HEALTH_PORT=8080
# A fixed, unprivileged user: the volume's files stay owned by the same id across upgrades.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin reachout \
    && mkdir /data \
    && chown reachout:reachout /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl \
    && rm -rf /wheels
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# 3000: Slack's HTTP mode only (REACHOUT_HTTP_HOST=0.0.0.0 behind a TLS proxy).
EXPOSE 3000
# Healthy while the database answers and every configured platform is connected.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["reachout", "health"]
# SIGTERM lets deliveries in flight finish; give it the stop timeout compose.yaml sets.
STOPSIGNAL SIGTERM
ENTRYPOINT ["reachout"]
CMD ["run"]
