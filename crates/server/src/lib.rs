//! fedgate-server: configuration, telemetry, wiring, router and shutdown.
