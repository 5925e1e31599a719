"""The job simulator behind `batchtop.simulator`: config, event loop, renderers, writers.

Split by concern: `config` (what to simulate, what it promises), `engine` (the event loop),
`text` (per-era spelling), `streams` (plan -> records), `output` (records -> files).
"""
