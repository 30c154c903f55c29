# The assistant's image: the Rasa server and the action server from one image (a Deployment's arguments
# choose which), with the model trained at build time. Both start as `make run` starts them: the entrypoint
# is scripts/processes.py, the one home of the start commands. `make deploy-check` checks that.
#
#   docker build -t support-assistant:0.1.0 .
#   docker run -p 5005:5005 support-assistant:0.1.0 rasa --endpoints /config/endpoints.yml
#   docker run -p 5055:5055 support-assistant:0.1.0 actions
ARG PYTHON_IMAGE=python:3.10.19-slim-bookworm

# ---- build: the virtual environment and the trained model
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 RASA_TELEMETRY_ENABLED=false PYTHONPATH=/app
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install -r requirements.txt -c constraints.txt
COPY . .
RUN /opt/venv/bin/python scripts/train.py \
 && rm -rf .rasa tests/artifacts results

# ---- run: the same Python, the environment, the code and the model; no compiler, no root
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=1 HOME=/home/assistant
RUN useradd --create-home --uid 10001 --user-group assistant
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
EXPOSE 5005 5055
# whichever server this container runs answers on its port (the Rasa server on 5005, the actions on 5055)
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "scripts/processes.py", "health", "--url", "http://127.0.0.1:5005/", "--url", "http://127.0.0.1:5055/health"]
ENTRYPOINT ["python", "scripts/processes.py"]
CMD ["rasa", "--endpoints", "endpoints.yml"]
