# backprop-viz in a container: one Streamlit process on port 8501, as a non-root user.
# Several of these behind nginx with sticky sessions: see deploy/README.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    MALLOC_ARENA_MAX=2 \
    BACKPROP_VIZ_DATA_DIR=/tmp/backprop-viz-data \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 app
WORKDIR /app

# The pinned dependencies first, in a layer of their own: a code change does not reinstall
# them. Then the project itself, installed editable as the README does.
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
RUN pip install -r requirements.txt -e .

# The app reads its code and .streamlit/config.toml; it writes nothing under /app.
USER app

EXPOSE 8501
# Streamlit's own health endpoint answers "ok" once the server is up (python:3.11-slim has
# no curl, so Python asks).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]

CMD ["streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "0.0.0.0", "--server.port", "8501", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
