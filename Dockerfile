# The web app in cluster mode (keyword and vector stores in OpenSearch), for docker-compose.yml.
# Build: docker compose build app   (or: docker build -t intelligence-emploi .)
# At start it updates the index from the data mounted on /data (EMPLOI_DATA_DIR), then serves
# the web app on port 5000 inside the container; compose publishes it on 127.0.0.1 only.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    EMPLOI_DATA_DIR=/data \
    EMPLOI_INDEX_DIR=/app/var/index \
    EMPLOI_CACHE_DIR=/app/var/cache \
    EMPLOI_BACKEND=opensearch

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY skills_taxonomy ./skills_taxonomy
COPY indexer ./indexer
COPY matcher ./matcher
COPY webapp ./webapp
RUN pip install ".[opensearch,gunicorn]" \
    && useradd --create-home --uid 10001 emploi \
    && mkdir -p /app/var \
    && chown emploi:emploi /app/var

USER emploi
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=5s --start-period=300s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/', timeout=4)"]
# `emploi demo`-like: index (update; rejected records are reported, not fatal), then serve
# (docker-compose.yml adds --workers; gunicorn is installed for it).
CMD ["sh", "-c", "emploi -v index --skip-invalid && exec emploi serve --host 0.0.0.0 --port 5000"]
