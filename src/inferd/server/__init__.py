"""The edge: REST (RSGI on granian) and gRPC servers, process management, graceful shutdown."""
