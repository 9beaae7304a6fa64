#!/usr/bin/env python3
"""Parses a document from stdin with prometheus_client's parsers and prints the names it read.

Usage: parse_names.py openmetrics|text. Prints one JSON object: {"families": [{"name", "type",
"samples": [{"name", "labels", "value"}]}]}. prometheus_client 0.26 reads quoted UTF-8 names
(`{"my.metric"}`) in both its OpenMetrics and its Prometheus-text parser.

Exit status: 0 parsed, 2 the document was rejected (reason on stderr), 3 prometheus_client is
missing.
"""
import json
import sys

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
    from prometheus_client.parser import text_string_to_metric_families as text
except ImportError as e:
    print(f"cannot import prometheus_client ({e}); install it: pip install prometheus_client",
          file=sys.stderr)
    sys.exit(3)


def main():
    parse = {"openmetrics": om, "text": text}[sys.argv[1]]
    doc = sys.stdin.buffer.read().decode("utf-8")
    try:
        families = list(parse(doc))
    except Exception as e:  # the parsers raise ValueError and friends on invalid input
        print(f"rejected: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)
    out = [{
        "name": f.name,
        "type": f.type,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples],
    } for f in families]
    json.dump({"families": out}, sys.stdout)


if __name__ == "__main__":
    main()
