"""One module per schema revision; the newest is ``inferd.registry.schema.HEAD_REVISION``."""
