//! The negotiation, table-driven: the `Accept` headers Prometheus 2.x and 3.x send (copied
//! from `scrape/scrape.go` and `config/config.go` of the releases named), and odd or hostile
//! ones.

extern crate std;

use super::*;
use Escaping::{AllowUtf8, Dots, Underscores, Values};
use ScrapeFormat::*;

/// Prometheus 2.42's default (`scrapeAcceptHeader`).
const P2_42: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// Prometheus 2.42 with `--enable-feature=native-histograms` (`scrapeAcceptHeaderWithProtobuf`).
const P2_42_NATIVE: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// Prometheus 3.0.0's default (UTF-8 validation: `escaping=allow-utf-8` on every range, twice
/// on text 1.0.0, whose header already names it).
const P3_0: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;escaping=allow-utf-8;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;escaping=allow-utf-8;q=0.3,*/*;q=0.2";
/// Prometheus 3.x (main, and the issue's) default: the escaping on the 1.0.0 formats only.
const P3: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
/// Prometheus 3.x, proto first (`DefaultProtoFirstScrapeProtocols`).
const P3_PROTO: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
/// Prometheus 3.x with `metric_name_escaping_scheme: dots` (legacy validation).
const P3_DOTS: &str = "application/openmetrics-text;version=1.0.0;escaping=dots;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=dots;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
/// Prometheus 3.x with `scrape_protocols: [PrometheusText1.0.0, PrometheusText0.0.4]`.
const P3_TEXT: &str =
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4";

/// (header, protobuf offered, format, escaping)
const TABLE: &[(&str, bool, ScrapeFormat, Escaping)] = &[
    (P2_42, false, OpenMetrics100, Underscores),
    (P2_42, true, OpenMetrics100, Underscores),
    (P2_42_NATIVE, true, Protobuf, Underscores),
    (P2_42_NATIVE, false, OpenMetrics100, Underscores),
    (P3_0, false, OpenMetrics100, AllowUtf8),
    (P3, false, OpenMetrics100, AllowUtf8),
    (P3, true, OpenMetrics100, AllowUtf8),
    (P3_PROTO, true, Protobuf, Underscores),
    (P3_PROTO, false, OpenMetrics100, AllowUtf8),
    (P3_DOTS, false, OpenMetrics100, Dots),
    (P3_TEXT, false, Text100, AllowUtf8),
    // Prometheus 2.x before OpenMetrics (2.0 to 2.4), and what curl sends.
    ("text/plain;version=0.0.4;q=1,*/*;q=0.1", false, Text004, Underscores),
    ("*/*", true, Text004, Underscores),
    // Hostile, empty and odd headers.
    ("", false, Text004, Underscores),
    ("   ", false, Text004, Underscores),
    (",,,;;;===", false, Text004, Underscores),
    ("garbage", false, Text004, Underscores),
    ("\u{0}\u{ff}\u{1F600}/\u{1F600};q=\u{1F600}", false, Text004, Underscores),
    ("application/openmetrics-text;version=1.0.0;q=0", false, Text004, Underscores),
    ("application/openmetrics-text;q=0,text/plain;q=0", false, Text004, Underscores),
    ("text/plain;version=1.0.0;q=0.001", false, Text100, Underscores),
    ("text/plain;version=1.0.0;q=1.5", false, Text004, Underscores),
    ("text/plain;version=1.0.0;q=-1", false, Text004, Underscores),
    ("text/plain;version=1.0.0;q=0.5000", false, Text004, Underscores),
    ("text/plain;version=1.0.0;q=nan", false, Text004, Underscores),
    ("text/plain;version=1.0.0;q=1.000", false, Text100, Underscores),
    ("APPLICATION/OpenMetrics-Text; VERSION=1.0.0; Escaping=Allow-UTF-8", false, OpenMetrics100, AllowUtf8),
    ("  application/openmetrics-text ; version = 1.0.0 ; escaping = values ", false, OpenMetrics100, Values),
    ("application/openmetrics-text;version=\"1.0.0\";escaping=\"dots\"", false, OpenMetrics100, Dots),
    // Unknown versions are passed over; the next range answers.
    ("application/openmetrics-text;version=2.0.0,text/plain;version=1.0.0;q=0.5", false, Text100, Underscores),
    ("text/plain;version=9.9.9", false, Text004, Underscores),
    ("application/openmetrics-text;version=1.0.0;escaping=allow-utf8", false, OpenMetrics100, Underscores),
    // No version: text 0.0.4 and OpenMetrics 0.0.1.
    ("application/openmetrics-text", false, OpenMetrics001, Underscores),
    ("text/plain", false, Text004, Underscores),
    // UTF-8 names need a 1.0.0 format: allow-utf-8 on 0.0.4 and OpenMetrics 0.0.1 escapes.
    ("text/plain;version=0.0.4;escaping=allow-utf-8", false, Text004, Underscores),
    ("application/openmetrics-text;version=0.0.1;escaping=allow-utf-8", false, OpenMetrics001, Underscores),
    ("text/plain;version=0.0.4;escaping=values", false, Text004, Values),
    // q-values order; equal q: the first range wins.
    ("text/plain;q=0.9,application/openmetrics-text;version=1.0.0", false, OpenMetrics100, Underscores),
    ("text/plain;version=1.0.0;q=0.5,application/openmetrics-text;version=1.0.0;q=0.5", false, Text100, Underscores),
    ("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=1.0.0;q=0.5", false, OpenMetrics100, Underscores),
    // Wildcards.
    ("text/*", false, Text004, Underscores),
    ("application/*;escaping=allow-utf-8", false, OpenMetrics100, AllowUtf8),
    ("image/png,*/*;q=0.1", false, Text004, Underscores),
    // Protobuf needs both parameters, the delimited encoding, and the caller's offer.
    ("application/vnd.google.protobuf", true, Text004, Underscores),
    ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text", true, Text004, Underscores),
    ("application/vnd.google.protobuf;proto=other.Message;encoding=delimited", true, Text004, Underscores),
    ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=allow-utf-8", true, Protobuf, AllowUtf8),
    ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=allow-utf-8", false, Text004, Underscores),
    ("text/plain;q=0.5,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5", true, Text004, Underscores),
];

#[test]
fn every_header_in_the_table() {
    for &(accept, protobuf, format, escaping) in TABLE {
        let n = negotiate(accept, protobuf);
        assert_eq!(
            (n.format(), n.escaping()),
            (format, escaping),
            "Accept: {accept:?} (protobuf offered: {protobuf})"
        );
    }
}

#[test]
fn content_types_name_format_and_escaping() {
    let om = negotiate(P3, false);
    assert_eq!(
        om.content_type(),
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
    );
    assert_eq!(
        negotiate(P2_42, false).content_type(),
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"
    );
    assert_eq!(
        negotiate(P3_TEXT, false).content_type(),
        "text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
    );
    assert_eq!(
        negotiate("", false).content_type(),
        "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"
    );
    assert_eq!(
        negotiate(P2_42_NATIVE, true).content_type(),
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores"
    );
    // Every pair has a Content-Type that names its own version and escaping.
    for format in [Text004, Text100, OpenMetrics001, OpenMetrics100, Protobuf] {
        for e in [AllowUtf8, Underscores, Dots, Values] {
            let n = Negotiated::new(format, e);
            let ct = n.content_type();
            assert!(
                ct.ends_with(&std::format!("; escaping={}", n.escaping())),
                "{ct}"
            );
            let expected = match format {
                Text004 => "text/plain; version=0.0.4;",
                Text100 => "text/plain; version=1.0.0;",
                OpenMetrics001 => "application/openmetrics-text; version=0.0.1;",
                OpenMetrics100 => "application/openmetrics-text; version=1.0.0;",
                Protobuf => "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited;",
            };
            assert!(ct.starts_with(expected), "{ct}");
            // A Content-Type this crate answers with is one it negotiates back to itself.
            let again = negotiate(ct, true);
            assert_eq!(again, n, "{ct}");
        }
    }
}

#[test]
fn formats_and_the_utf8_they_carry() {
    assert_eq!(Text004.text_format(), Some(Format::Prometheus));
    assert_eq!(Text100.text_format(), Some(Format::PrometheusV1));
    assert_eq!(OpenMetrics001.text_format(), Some(Format::OpenMetrics));
    assert_eq!(OpenMetrics100.text_format(), Some(Format::OpenMetrics));
    assert_eq!(Protobuf.text_format(), None);
    assert_eq!(Negotiated::new(Text004, AllowUtf8).escaping(), Underscores);
    assert_eq!(
        Negotiated::new(OpenMetrics001, AllowUtf8).escaping(),
        Underscores
    );
    assert_eq!(Negotiated::new(Text100, AllowUtf8).escaping(), AllowUtf8);
    assert_eq!(Negotiated::default(), Negotiated::new(Text004, Underscores));
}

#[test]
fn qvalues() {
    assert_eq!(qvalue("1"), Some(1000));
    assert_eq!(qvalue("1."), Some(1000));
    assert_eq!(qvalue("0.75"), Some(750));
    assert_eq!(qvalue("0.001"), Some(1));
    assert_eq!(qvalue("0"), Some(0));
    assert_eq!(qvalue("1.001"), None);
    assert_eq!(qvalue("2"), None);
    assert_eq!(qvalue(""), None);
    assert_eq!(qvalue(".5"), None);
    assert_eq!(qvalue("0.+1"), None);
    assert_eq!(qvalue("0.\u{1F600}"), None);
}

#[test]
fn never_panics_on_any_bytes() {
    // Every header of up to three bytes from an alphabet of the characters that matter.
    let alphabet = [
        ',', ';', '=', '/', '*', '"', 'q', '.', '0', '1', ' ', '\u{e9}',
    ];
    let mut s = std::string::String::new();
    for a in alphabet {
        for b in alphabet {
            for c in alphabet {
                s.clear();
                s.extend([a, b, c]);
                let n = negotiate(&s, true);
                assert!(!n.content_type().is_empty());
            }
        }
    }
}
