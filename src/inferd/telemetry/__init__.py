"""Telemetry: metrics, tracing, the prediction log and service-level objectives."""
