//! The little of HTTP/1.1 the scrape endpoint needs: the head of a GET request, parsed by
//! `httparse`, and the `Accept` headers it hands to the core's [`edgeprom::negotiate`].

use edgeprom::{negotiate, Negotiated};

/// What the scrape endpoint makes of a request head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /metrics` (or `HEAD`), answered in this format.
    Metrics {
        /// The answer negotiated from the `Accept` headers for a source that writes the
        /// protobuf exposition.
        protobuf: Negotiated,
        /// The answer for a source that writes text only.
        text: Negotiated,
        /// `HEAD`: the status and headers only.
        head: bool,
    },
    /// A well-formed request for another path.
    NotFound,
    /// A method other than GET and HEAD.
    MethodNotAllowed,
    /// A request for `/metrics` that declares a body (a `Content-Length` other than 0, or a
    /// `Transfer-Encoding`), which is never read.
    BodyDeclared,
    /// A request for `/metrics` whose `Content-Length` is not a number.
    BadContentLength,
    /// Not an HTTP/1.0 or HTTP/1.1 request head.
    BadRequest,
}

/// The end of the head (the index after its first blank line), if `buf` holds all of it.
///
/// As httparse reads a head, any line may end in `\r\n` or a bare `\n`: the head ends at the
/// first line feed followed by an empty line, `\n` or `\r\n` (so `\n\r\n` ends one too).
pub fn head_end(buf: &[u8]) -> Option<usize> {
    buf.iter().enumerate().find_map(|(i, &b)| {
        let rest = buf.get(i + 1..).filter(|_| b == b'\n')?;
        match rest {
            [b'\n', ..] => Some(i + 2),
            [b'\r', b'\n', ..] => Some(i + 3),
            _ => None,
        }
    })
}

/// Routes a complete request head (up to and including its blank line).
pub fn route(head: &[u8]) -> Route {
    // A slot for every line, so that only the byte limit bounds the number of headers.
    let lines = head.iter().filter(|&&b| b == b'\n').count();
    let mut headers = vec![httparse::EMPTY_HEADER; lines];
    let mut request = httparse::Request::new(&mut headers);
    // A head that is complete but that httparse finds partial (blank lines only) is malformed.
    let Ok(httparse::Status::Complete(_)) = request.parse(head) else {
        return Route::BadRequest;
    };
    let (Some(method), Some(target)) = (request.method, request.path) else {
        return Route::BadRequest;
    };
    // httparse takes any request target; only the origin form (`/path?query`) is served.
    if !target.starts_with('/') {
        return Route::BadRequest;
    }
    let head = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Route::MethodNotAllowed,
    };
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    if path != "/metrics" {
        return Route::NotFound;
    }
    let mut accept = String::new();
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Route::BodyDeclared;
        }
        if header.name.eq_ignore_ascii_case("content-length") {
            let length = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok());
            match length {
                Some(0) => {}
                Some(_) => return Route::BodyDeclared,
                None => return Route::BadContentLength,
            }
        }
        if header.name.eq_ignore_ascii_case("accept") {
            if !accept.is_empty() {
                accept.push(',');
            }
            accept.push_str(String::from_utf8_lossy(header.value).trim());
        }
    }
    Route::Metrics {
        protobuf: negotiate(&accept, true),
        text: negotiate(&accept, false),
        head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeprom::{Escaping, ScrapeFormat};

    #[test]
    fn routes() {
        let get = |h: &str| route(h.as_bytes());
        assert_eq!(
            get("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            Route::Metrics {
                protobuf: Negotiated::default(),
                text: Negotiated::default(),
                head: false
            }
        );
        let om = Negotiated::new(ScrapeFormat::OpenMetrics100, Escaping::AllowUtf8);
        assert_eq!(
            get(
                "HEAD /metrics?x=1 HTTP/1.0\r\naccept: application/openmetrics-text;\
                 version=1.0.0;escaping=allow-utf-8\r\n\r\n"
            ),
            Route::Metrics {
                protobuf: om,
                text: om,
                head: true
            }
        );
        assert_eq!(get("GET / HTTP/1.1\r\n\r\n"), Route::NotFound);
        assert_eq!(get("GET /metricsx HTTP/1.1\r\n\r\n"), Route::NotFound);
        assert_eq!(
            get("POST /metrics HTTP/1.1\r\n\r\n"),
            Route::MethodNotAllowed
        );
        for bad in [
            "",
            "GET\r\n\r\n",
            "GET /metrics\r\n\r\n",
            "GET /metrics HTTP/2\r\n\r\n",
            "GET metrics HTTP/1.1\r\n\r\n",
            "GET /metrics HTTP/1.1 extra\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n",
            "G(T /metrics HTTP/1.1\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n",
            "\r\n\r\n",
            "GET http://x/metrics HTTP/1.1\r\n\r\n",
            "GET  /metrics HTTP/1.1\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nX: a\x00b\r\n\r\n",
        ] {
            assert_eq!(get(bad), Route::BadRequest, "{bad:?}");
        }
        assert_eq!(route(b"GET /\xff HTTP/1.1\r\n\r\n"), Route::BadRequest);
        // Bare line feeds, and as many headers as the head holds.
        let many = format!("GET /metrics HTTP/1.1\n{}\n", "X: y\n".repeat(500));
        assert!(matches!(get(&many), Route::Metrics { .. }));
    }

    #[test]
    fn a_request_for_metrics_must_not_declare_a_body() {
        let get = |h: &str| route(h.as_bytes());
        for declared in [
            "GET /metrics HTTP/1.1\r\nContent-Length: 1099511627776\r\n\r\n",
            "HEAD /metrics HTTP/1.1\r\nContent-Length: 1\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert_eq!(get(declared), Route::BodyDeclared, "{declared:?}");
        }
        assert_eq!(
            get("GET /metrics HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
            Route::BadContentLength
        );
        assert!(matches!(
            get("GET /metrics HTTP/1.1\r\ncontent-length:  0 \r\n\r\n"),
            Route::Metrics { .. }
        ));
        // The method and the path are answered first.
        assert_eq!(
            get("POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\n"),
            Route::MethodNotAllowed
        );
        assert_eq!(
            get("GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Route::NotFound
        );
    }

    #[test]
    fn every_accept_header_counts() {
        let get = |h: &str| route(h.as_bytes());
        // Two Accept headers are one list: protobuf (q=1) comes first in the second one.
        let pb = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                  encoding=delimited";
        let head =
            format!("GET /metrics HTTP/1.1\r\nAccept: text/plain;q=0.5\r\nAccept: {pb}\r\n\r\n");
        assert_eq!(
            get(&head),
            Route::Metrics {
                protobuf: Negotiated::new(ScrapeFormat::Protobuf, Escaping::Underscores),
                text: Negotiated::new(ScrapeFormat::Text004, Escaping::Underscores),
                head: false
            }
        );
    }

    #[test]
    fn finds_the_end_of_the_head() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nbody"), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\n"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n"), None);
        // Found by fuzzing (fuzz/artifacts/http_request/): a bare line feed then CRLF is a
        // blank line to httparse, and the first blank line ends the head.
        assert_eq!(head_end(b"\n\r\n"), Some(3));
        assert_eq!(head_end(b"GET / HTTP/1.1\nHost: x\n\r\n"), Some(25));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\nX: y\r\n\r\n"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r"), None);
    }
}
