# Linli API image: multi-stage, non-root, expects DATABASE_URL (no embedded database in containers).
FROM python:3.11-slim AS build
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /src
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 LINLI_ENV=prod LINLI_DATA_DIR=/var/lib/linli HOST=0.0.0.0
RUN useradd --system --uid 10001 --home /app linli && mkdir -p /var/lib/linli && chown linli /var/lib/linli
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=linli alembic.ini ./
COPY --chown=linli migrations ./migrations
COPY --chown=linli app ./app
USER linli
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]
