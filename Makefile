# The few verbs a person types. Everything installs into .venv from the
# committed lock (requirements/lock.txt); `make lock` refreshes it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/lock.txt
# Raise this when coverage goes up; never lower it.
COVERAGE_MIN := 92

.PHONY: demo test lint typecheck lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(VENV)/.demo-installed: $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/pip install --quiet -c $(LOCK) -e ".[convert]"
	touch $@

$(VENV)/.test-installed: $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/pip install --quiet -c $(LOCK) -e ".[all,jit,dev]"
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/inferd demo

test: $(VENV)/.test-installed
	bash scripts/ensure-services.sh
	bash scripts/ensure-tools.sh
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest --cov --cov-report=term --cov-fail-under=$(COVERAGE_MIN)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy

# Re-resolve every transitive version for `make demo` and `make test`.
lock: $(BIN)/python
	$(BIN)/pip install --quiet "pip-tools>=7.4"
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra all --extra jit --extra dev --extra convert -o $(LOCK) pyproject.toml
	# The `all` extra names inferd itself; a lock must not pin the project being installed.
	sed -i '/^inferd @ /d' $(LOCK)

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/register_stream.py
	$(BIN)/python benchmarks/batching.py
	$(BIN)/python benchmarks/features_lookup.py
	$(BIN)/python benchmarks/pipeline_steps.py
	$(BIN)/python benchmarks/prediction_cache.py
	$(BIN)/python benchmarks/prediction_log.py
	$(BIN)/python benchmarks/serving/run.py --peers
	$(BIN)/python benchmarks/serving/telemetry_overhead.py
	$(BIN)/python benchmarks/serving/telemetry_path.py

clean:
	rm -rf $(VENV) .inferd .pytest_cache .mypy_cache .ruff_cache .coverage

# Regenerate the committed gRPC stubs from the Open Inference Protocol proto.
# tests/protocol/test_grpc_stubs.py runs the same command and fails on drift.
PROTO := src/inferd/protocol/grpc/open_inference_grpc.proto
.PHONY: proto
proto: $(VENV)/.test-installed
	$(BIN)/python -m grpc_tools.protoc -I src --python_out=src --pyi_out=src --grpc_python_out=src $(PROTO)
