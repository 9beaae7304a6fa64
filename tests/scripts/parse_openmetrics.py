#!/usr/bin/env python3
"""Parses an OpenMetrics document from stdin with prometheus_client's strict parser (with the
argument `text`: a Prometheus-text document, with its text parser; both read quoted UTF-8
names, `{"my.metric"}`, in 0.26).

Prints one JSON object: {"families": [{"name", "type", "unit", "help", "samples": [{"name",
"labels", "value", "int", "timestamp", "exemplar"}]}]}. A value is given as Python's repr of the parsed
number ("2.6", "nan", "inf"), and "int" tells whether the parser read it as an integer (no
decimal point, no exponent). "exemplar" is null or {"labels", "value" (repr), "timestamp"
(null, or [seconds, nanoseconds] as the parser read them)}.

Exit status: 0 parsed, 2 the document was rejected (reason on stderr), 3 prometheus_client is
missing.
"""
import json
import sys

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
    from prometheus_client.parser import text_string_to_metric_families as text_families
except ImportError as e:
    print(f"cannot import prometheus_client ({e}); install it: pip install prometheus_client",
          file=sys.stderr)
    sys.exit(3)


def exemplar(e):
    if e is None:
        return None
    ts = e.timestamp
    if ts is not None:
        ts = [ts.sec, ts.nsec] if hasattr(ts, "sec") else repr(ts)
    return {"labels": e.labels, "value": repr(e.value), "timestamp": ts}


def main():
    text = sys.stdin.buffer.read().decode("utf-8")
    parse = text_families if sys.argv[1:] == ["text"] else text_string_to_metric_families
    try:
        families = list(parse(text))
    except Exception as e:  # the parser raises ValueError and friends on invalid input
        print(f"rejected: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)
    out = []
    for f in families:
        out.append({
            "name": f.name,
            "type": f.type,
            "unit": f.unit,
            "help": f.documentation,
            "samples": [{
                "name": s.name,
                "labels": s.labels,
                "value": repr(s.value),
                "int": isinstance(s.value, int),
                "timestamp": None if s.timestamp is None else repr(s.timestamp),
                "exemplar": exemplar(s.exemplar),
            } for s in f.samples],
        })
    json.dump({"families": out}, sys.stdout)


if __name__ == "__main__":
    main()
