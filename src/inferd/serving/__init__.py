"""The transport-neutral service: registering and loading models, the pipeline around a runtime."""
