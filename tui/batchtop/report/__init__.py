"""The post-mortem report: one self-contained HTML (or Markdown) file telling a job's story.

`data.py` gathers the facts (final snapshot, timeline, advice) into plain data, `svg.py` draws
charts as inline SVG, `html.py` and `markdown.py` lay them out, `cli.py` is `batchtop report`.
Nothing here parses logs or fetches anything: it reads a finished model.
"""
