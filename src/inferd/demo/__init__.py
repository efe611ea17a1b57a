"""The demo models: trained here, from data that ships with scikit-learn or that the code generates."""

from inferd.demo.training import DemoModel, demo_sample, train_demo_models

__all__ = ["DemoModel", "demo_sample", "train_demo_models"]
