"""Streaming: inputs read in batches (sources), passes over them (passes), who runs the passes (executor) and
the state an analysis streams with (run)."""
