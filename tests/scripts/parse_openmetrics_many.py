#!/usr/bin/env python3
"""Parses many OpenMetrics documents with prometheus_client's strict parser.

Reads a JSON list of documents on stdin; prints a JSON list with, for each, null when it
parsed, or the parser's reason for rejecting it. Exit status 3 when prometheus_client is
missing.
"""
import json
import sys

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
except ImportError as e:
    print(f"cannot import prometheus_client ({e}); install it: pip install prometheus_client",
          file=sys.stderr)
    sys.exit(3)


def verdict(text):
    try:
        list(text_string_to_metric_families(text))
        return None
    except Exception as e:  # the parser raises ValueError and friends on invalid input
        return f"{type(e).__name__}: {e}"


def main():
    docs = json.load(sys.stdin)
    json.dump([verdict(d) for d in docs], sys.stdout)


if __name__ == "__main__":
    main()
