//! Content negotiation: an HTTP `Accept` header in, the format and name escaping to answer
//! with and the exact `Content-Type` out, following Prometheus' scrape protocol
//! (<https://prometheus.io/docs/instrumenting/content_negotiation/>) and its escaping
//! schemes. No heap, no panic on any input.
//!
//! The rules, and where they follow the spec rather than Go: [`negotiate`].

use super::{Escaping, Format};

/// A document edgeprom can answer a scrape with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScrapeFormat {
    /// Prometheus text 0.0.4 ([`Format::Prometheus`]).
    Text004,
    /// Prometheus text 1.0.0 ([`Format::PrometheusV1`]).
    Text100,
    /// OpenMetrics 0.0.1: the document of [`Format::OpenMetrics`], under its own
    /// `Content-Type`.
    OpenMetrics001,
    /// OpenMetrics 1.0.0 ([`Format::OpenMetrics`]).
    OpenMetrics100,
    /// The protobuf exposition (feature `protobuf`: `encode::protobuf`).
    Protobuf,
}

impl ScrapeFormat {
    /// The text [`Format`] that writes this document; `None` for protobuf.
    pub const fn text_format(self) -> Option<Format> {
        match self {
            ScrapeFormat::Text004 => Some(Format::Prometheus),
            ScrapeFormat::Text100 => Some(Format::PrometheusV1),
            ScrapeFormat::OpenMetrics001 | ScrapeFormat::OpenMetrics100 => {
                Some(Format::OpenMetrics)
            }
            ScrapeFormat::Protobuf => None,
        }
    }

    /// Whether this format can carry names outside the legacy character set as they are.
    pub const fn carries_utf8(self) -> bool {
        matches!(
            self,
            ScrapeFormat::Text100 | ScrapeFormat::OpenMetrics100 | ScrapeFormat::Protobuf
        )
    }
}

/// What to answer a scrape with: a format, the escaping of names, and the `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Negotiated {
    format: ScrapeFormat,
    escaping: Escaping,
}

impl Negotiated {
    /// A format with an escaping; [`Escaping::AllowUtf8`] becomes
    /// [`Escaping::Underscores`] for a format that cannot carry UTF-8 names.
    pub const fn new(format: ScrapeFormat, escaping: Escaping) -> Self {
        let escaping = match escaping {
            Escaping::AllowUtf8 if !format.carries_utf8() => Escaping::Underscores,
            e => e,
        };
        Negotiated { format, escaping }
    }

    /// The format to write.
    pub const fn format(&self) -> ScrapeFormat {
        self.format
    }

    /// How names outside the legacy character set are written.
    pub const fn escaping(&self) -> Escaping {
        self.escaping
    }

    /// The `Content-Type` to answer with: media type, version (or protobuf's `proto` and
    /// `encoding`), `charset=utf-8` for the text formats and the escaping.
    pub const fn content_type(&self) -> &'static str {
        use Escaping::{AllowUtf8 as A, Dots as D, Underscores as U, Values as V};
        use ScrapeFormat::*;
        match (self.format, self.escaping) {
            (Text004, A | U) => "text/plain; version=0.0.4; charset=utf-8; escaping=underscores",
            (Text004, D) => "text/plain; version=0.0.4; charset=utf-8; escaping=dots",
            (Text004, V) => "text/plain; version=0.0.4; charset=utf-8; escaping=values",
            (Text100, A) => "text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8",
            (Text100, U) => "text/plain; version=1.0.0; charset=utf-8; escaping=underscores",
            (Text100, D) => "text/plain; version=1.0.0; charset=utf-8; escaping=dots",
            (Text100, V) => "text/plain; version=1.0.0; charset=utf-8; escaping=values",
            (OpenMetrics001, A | U) => {
                "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=underscores"
            }
            (OpenMetrics001, D) => {
                "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=dots"
            }
            (OpenMetrics001, V) => {
                "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=values"
            }
            (OpenMetrics100, A) => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
            }
            (OpenMetrics100, U) => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"
            }
            (OpenMetrics100, D) => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=dots"
            }
            (OpenMetrics100, V) => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=values"
            }
            (Protobuf, A) => {
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=allow-utf-8"
            }
            (Protobuf, U) => {
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores"
            }
            (Protobuf, D) => {
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=dots"
            }
            (Protobuf, V) => {
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=values"
            }
        }
    }
}

impl Default for Negotiated {
    /// Prometheus text 0.0.4 with `underscores`: the answer when nothing else can be.
    fn default() -> Self {
        Negotiated::new(ScrapeFormat::Text004, Escaping::Underscores)
    }
}

/// The format and escaping to answer a scrape whose `Accept` header is `accept` with (all
/// its `Accept` headers joined by `,` when there are several), following Prometheus'
/// content negotiation (<https://prometheus.io/docs/instrumenting/content_negotiation/>);
/// `protobuf`: whether the protobuf exposition may be the answer. No heap, no panic on any
/// input.
///
/// # The rules
/// - The header is a comma-separated list of media ranges with parameters; the range with
///   the highest `q` (default 1, parsed as RFC 9110's `qvalue`: `0` to `1` with at most three
///   decimals; anything else, and `q=0`, means "not acceptable") that edgeprom can answer
///   wins; between equal `q`s the first in the header wins.
/// - `text/plain` with `version=0.0.4` or no version is Prometheus text 0.0.4,
///   `version=1.0.0` text 1.0.0; `application/openmetrics-text` with `version=1.0.0`
///   OpenMetrics 1.0.0, `version=0.0.1` or no version (Go's default) OpenMetrics 0.0.1 (the
///   same document as 1.0.0, under its own `Content-Type`, as Go answers it);
///   `application/vnd.google.protobuf` with `proto=io.prometheus.client.MetricFamily` and
///   `encoding=delimited` the protobuf exposition, when the caller offers it. Any other
///   version (`2.0.0`) or encoding is a range edgeprom cannot answer, and is passed over.
/// - `*/*` and `text/*` are Prometheus text 0.0.4, `application/*` OpenMetrics 1.0.0.
/// - The escaping is the `escaping=` parameter of the range that won (unknown values are
///   ignored, as Go ignores them), [`Escaping::Underscores`] without one. Prometheus text
///   0.0.4 and OpenMetrics 0.0.1 cannot carry UTF-8 names: `allow-utf-8` on them (Prometheus
///   3.0.0 sends it on every range) is `underscores`.
/// - When nothing can be answered (an empty or unreadable header, only `q=0`, only unknown
///   types), the answer is Prometheus text 0.0.4 with `underscores`, the spec's last resort.
/// - Media types and parameter names are compared ignoring ASCII case, and parameter values
///   may be quoted.
///
/// # Where this follows the spec rather than Go
/// client_golang's `expfmt.NegotiateAccept` takes the escaping from any range it reads on
/// the way, even one it could not answer, and answers `*/*` with the first format the server
/// lists (protobuf, in `Negotiate`); the spec ties the escaping to the format chosen, and
/// older Go, Python and edgeprom answer `*/*` with Prometheus text. Go also writes quoted
/// names in text 0.0.4 when asked for `allow-utf-8`; the spec gives UTF-8 names to the 1.0.0
/// formats only. The `Content-Type` names the escaping for every format (the spec requires it
/// for the 1.0.0 formats; Go does it for all).
///
/// # In a handler
/// With axum (or hyper, or actix: any framework that hands you the `Accept` header as a
/// string), one line negotiates and one encodes:
///
/// ```
/// # use edgeprom::{Gauge, Metric, Registry};
/// # static TEMP: Metric<Gauge> = Metric::new("temperature_celsius", "Board temperature.");
/// # let mut registry: Registry<'_, 1> = Registry::new();
/// # registry.register(&TEMP).unwrap();
/// // async fn metrics(headers: HeaderMap) -> impl IntoResponse {
/// #   let accept: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8";
/// //  let accept = headers.get(ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
///     let n = edgeprom::negotiate(accept, false);
///     let mut body = String::new();
///     registry.encode_negotiated(n, &mut body).unwrap();
/// //  ([(CONTENT_TYPE, n.content_type())], body)
/// # assert!(body.ends_with("# EOF\n"));
/// # assert_eq!(
/// #     n.content_type(),
/// #     "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
/// # );
/// // }
/// ```
pub fn negotiate(accept: &str, protobuf: bool) -> Negotiated {
    let mut best: Option<(u16, Negotiated)> = None;
    for range in accept.split(',') {
        let Some((q, n)) = read_range(range, protobuf) else {
            continue;
        };
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, n));
        }
    }
    best.map(|(_, n)| n).unwrap_or_default()
}

/// The `q` (in thousandths) of one media range and what edgeprom would answer it with, if
/// it can answer it.
fn read_range(range: &str, protobuf: bool) -> Option<(u16, Negotiated)> {
    let mut parts = range.split(';');
    let media = parts.next()?.trim();
    let (ty, sub) = media.split_once('/')?;
    let (ty, sub) = (ty.trim(), sub.trim());
    let (mut q, mut version, mut escaping) = (1000u16, None, None);
    let (mut proto, mut delimited) = (false, false);
    for p in parts {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        let k = k.trim();
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        if k.eq_ignore_ascii_case("q") {
            q = qvalue(v).unwrap_or(0);
        } else if k.eq_ignore_ascii_case("version") {
            version = Some(v);
        } else if k.eq_ignore_ascii_case("escaping") {
            // An unknown scheme is ignored (as Go ignores it): the default applies.
            escaping = Escaping::parse(v);
        } else if k.eq_ignore_ascii_case("proto") {
            proto = v == "io.prometheus.client.MetricFamily";
        } else if k.eq_ignore_ascii_case("encoding") {
            delimited = v.eq_ignore_ascii_case("delimited");
        }
    }
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let format = if (ty == "*" || is(ty, "text")) && sub == "*" {
        ScrapeFormat::Text004
    } else if is(ty, "application") && sub == "*" {
        ScrapeFormat::OpenMetrics100
    } else if is(ty, "text") && is(sub, "plain") {
        match version {
            None | Some("0.0.4") => ScrapeFormat::Text004,
            Some("1.0.0") => ScrapeFormat::Text100,
            Some(_) => return None,
        }
    } else if is(ty, "application") && is(sub, "openmetrics-text") {
        match version {
            None | Some("0.0.1") => ScrapeFormat::OpenMetrics001,
            Some("1.0.0") => ScrapeFormat::OpenMetrics100,
            Some(_) => return None,
        }
    } else if protobuf && is(ty, "application") && is(sub, "vnd.google.protobuf") {
        if !(proto && delimited) {
            return None;
        }
        ScrapeFormat::Protobuf
    } else {
        return None;
    };
    let escaping = escaping.unwrap_or(Escaping::Underscores);
    Some((q, Negotiated::new(format, escaping)))
}

/// An RFC 9110 `qvalue` in thousandths: `0`, `1`, `0.` or `1.` with up to three digits
/// (`1.` only with zeros); `None` for anything else.
fn qvalue(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths = 0u16;
    let mut scale = 100u16;
    for b in frac.bytes() {
        thousandths += u16::from(b - b'0') * scale;
        scale /= 10;
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
