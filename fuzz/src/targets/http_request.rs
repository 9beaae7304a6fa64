//! The scrape server's request parsing (`edgeprom_std::__scrape_fuzzing`: `head_end`, `route`,
//! `negotiate`) on arbitrary bytes, and on well-formed requests built from the input.
//!
//! Invariants, arbitrary bytes: nothing panics; `head_end` is the end of the first blank line
//! (a line feed followed by `\n` or `\r\n`, as httparse ends a head); `route` calls a head bad
//! exactly when httparse, given room for every line, does not parse it whole with an
//! origin-form target, and otherwise its verdict follows httparse's method and path; bytes
//! after the head change nothing; `edgeprom::negotiate` picks OpenMetrics only when it is
//! asked for.
//!
//! Well-formed requests (method, path, query, version, headers; CRLF or bare LF): the head
//! ends where it was built to, httparse reads back the same method, path, version and headers,
//! and the route is what HTTP says: 405 for other methods, 404 for other paths, a declared body
//! refused, otherwise `/metrics` in the format the `Accept` headers negotiate.

use arbitrary::Arbitrary;
use edgeprom::{negotiate, ScrapeFormat};
use edgeprom_std::__scrape_fuzzing::{head_end, route, Route};

#[derive(Arbitrary, Debug)]
enum Input<'a> {
    Raw(&'a [u8]),
    Built(Built<'a>),
}

#[derive(Arbitrary, Debug)]
enum Method<'a> {
    Get,
    Head,
    Other(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Header<'a> {
    Accept(&'a str),
    ContentLength(&'a str),
    TransferEncoding(&'a str),
    Other(&'a str, &'a str),
}

#[derive(Arbitrary, Debug)]
struct Built<'a> {
    method: Method<'a>,
    /// `/metrics` rather than `/` + `path`.
    metrics: bool,
    path: &'a str,
    query: Option<&'a str>,
    http10: bool,
    bare_lf: bool,
    headers: Vec<Header<'a>>,
}

/// Runs the target on one input: what libFuzzer gives it, and what the corpus replay
/// (`fuzz/tests/replay.rs`) gives it for every kept input.
pub fn check(data: &[u8]) {
    match Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
        Ok(Input::Raw(raw)) => raw_bytes(raw),
        Ok(Input::Built(built)) => well_formed(&built),
        Err(_) => {}
    }
}

/// The length of the shortest prefix that ends in a blank line (`\n\n` or `\n\r\n`).
fn first_blank_line(buf: &[u8]) -> Option<usize> {
    (1..=buf.len()).find(|&n| buf[..n].ends_with(b"\n\n") || buf[..n].ends_with(b"\n\r\n"))
}

/// httparse's reading of `head`, given a header slot per line.
fn parse(head: &[u8]) -> Option<(String, String, u8, Vec<(String, Vec<u8>)>)> {
    let lines = head.iter().filter(|&&b| b == b'\n').count();
    let mut headers = vec![httparse::EMPTY_HEADER; lines];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(head) {
        Ok(httparse::Status::Complete(_)) => Some((
            request.method?.to_owned(),
            request.path?.to_owned(),
            request.version?,
            request
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_vec()))
                .collect(),
        )),
        _ => None,
    }
}

fn raw_bytes(raw: &[u8]) {
    let end = head_end(raw);
    assert_eq!(end, first_blank_line(raw), "{raw:?}");
    let head = raw.get(..end.unwrap_or(raw.len())).unwrap_or_default();
    let verdict = route(head);
    if end.is_some() {
        assert_eq!(
            route(raw),
            verdict,
            "bytes after the head changed the verdict"
        );
    }
    match parse(head).filter(|(_, path, _, _)| path.starts_with('/')) {
        None => assert_eq!(verdict, Route::BadRequest, "{head:?}"),
        Some((method, path, _, _)) => {
            assert_ne!(verdict, Route::BadRequest, "{head:?}");
            let allowed = method == "GET" || method == "HEAD";
            assert_eq!(verdict == Route::MethodNotAllowed, !allowed, "{head:?}");
            let metrics = path.split('?').next() == Some("/metrics");
            if allowed {
                assert_eq!(verdict == Route::NotFound, !metrics, "{head:?}");
            }
            if let Route::Metrics { head: only, .. } = verdict {
                assert_eq!(only, method == "HEAD");
            }
        }
    }
    let accept = String::from_utf8_lossy(raw);
    let om = negotiate(&accept, false).format();
    if matches!(
        om,
        ScrapeFormat::OpenMetrics001 | ScrapeFormat::OpenMetrics100
    ) {
        assert!(
            accept
                .to_ascii_lowercase()
                .contains("application/openmetrics-text"),
            "{accept:?}"
        );
    }
}

/// RFC 9110's `tchar`.
fn tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// RFC 3986's `pchar` (without `%`, so that no escape is half made).
fn pchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c)
}

fn keep(s: &str, ok: impl Fn(char) -> bool) -> String {
    s.chars().filter(|&c| ok(c)).collect()
}

/// A header value: visible ASCII and inner spaces.
fn value(s: &str) -> String {
    keep(s, |c| c.is_ascii_graphic() || c == ' ')
        .trim()
        .to_owned()
}

fn well_formed(built: &Built<'_>) {
    let method = match built.method {
        Method::Get => "GET".to_owned(),
        Method::Head => "HEAD".to_owned(),
        Method::Other(m) => Some(keep(m, tchar))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "POST".into()),
    };
    let mut target = if built.metrics {
        "/metrics".to_owned()
    } else {
        format!("/{}", keep(built.path, |c| pchar(c) || c == '/'))
    };
    let path = target.clone();
    if let Some(q) = built.query {
        target.push('?');
        target.push_str(&keep(q, |c| pchar(c) || c == '/' || c == '?'));
    }
    let headers: Vec<(String, String)> = built
        .headers
        .iter()
        .map(|h| match h {
            Header::Accept(v) => ("Accept".to_owned(), value(v)),
            Header::ContentLength(v) => ("content-length".to_owned(), value(v)),
            Header::TransferEncoding(v) => ("Transfer-Encoding".to_owned(), value(v)),
            Header::Other(n, v) => (
                Some(keep(n, tchar))
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "X".into()),
                value(v),
            ),
        })
        .collect();
    let eol = if built.bare_lf { "\n" } else { "\r\n" };
    let version = u8::from(!built.http10);
    let mut head = format!("{method} {target} HTTP/1.{version}{eol}");
    for (n, v) in &headers {
        head.push_str(&format!("{n}: {v}{eol}"));
    }
    head.push_str(eol);
    let bytes = head.as_bytes();

    assert_eq!(head_end(bytes), Some(bytes.len()), "{head:?}");
    let want_headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
        .collect();
    assert_eq!(
        parse(bytes),
        Some((method.clone(), target.clone(), version, want_headers)),
        "{head:?}"
    );
    assert_eq!(route(bytes), expected(&method, &path, &headers), "{head:?}");
}

/// What HTTP asks of the scrape endpoint for this request.
fn expected(method: &str, path: &str, headers: &[(String, String)]) -> Route {
    let head = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Route::MethodNotAllowed,
    };
    if path != "/metrics" {
        return Route::NotFound;
    }
    let mut accept = Vec::new();
    for (name, value) in headers {
        match name.to_ascii_lowercase().as_str() {
            "transfer-encoding" => return Route::BodyDeclared,
            "content-length" => match value.parse::<u64>() {
                Ok(0) => {}
                Ok(_) => return Route::BodyDeclared,
                Err(_) => return Route::BadContentLength,
            },
            "accept" => accept.push(value.as_str()),
            _ => {}
        }
    }
    Route::Metrics {
        protobuf: negotiate(&accept.join(","), true),
        text: negotiate(&accept.join(","), false),
        head,
    }
}
