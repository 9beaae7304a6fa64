//! Whether a scraper's `Accept` header asks for the protobuf exposition before the text
//! formats: kept apart, in one function, until a full negotiation of every format replaces
//! it.

/// The media type and parameters of the protobuf exposition a scraper names.
const MEDIA: &str = "application/vnd.google.protobuf";

/// Whether `accept` takes `application/vnd.google.protobuf` with
/// `proto=io.prometheus.client.MetricFamily` and `encoding=delimited`, with a q-value above 0
/// and at least that of OpenMetrics and Prometheus text (what Prometheus 2.42 sends with
/// `--enable-feature=native-histograms`: protobuf first, OpenMetrics at 0.8). Other
/// encodings (`text`, `compact-text`) and other messages are not the delimited exposition.
pub fn wants_protobuf(accept: &str) -> bool {
    let (mut protobuf, mut text) = (0.0f64, 0.0f64);
    for range in accept.split(',') {
        let mut params = range.split(';');
        let media = params.next().unwrap_or("").trim().to_ascii_lowercase();
        let (mut q, mut proto, mut delimited) = (1.0, false, false);
        for p in params {
            let Some((k, v)) = p.split_once('=') else {
                continue;
            };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().trim_matches('"'));
            match k.as_str() {
                "q" => {
                    q = v
                        .parse::<f64>()
                        .ok()
                        .filter(|q| q.is_finite())
                        .unwrap_or(0.0)
                }
                "proto" => proto = v == "io.prometheus.client.MetricFamily",
                "encoding" => delimited = v.eq_ignore_ascii_case("delimited"),
                _ => {}
            }
        }
        match media.as_str() {
            MEDIA if proto && delimited => protobuf = protobuf.max(q),
            "application/openmetrics-text" | "text/plain" => text = text.max(q),
            _ => {}
        }
    }
    protobuf > 0.0 && protobuf >= text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_prometheus_asks() {
        let native = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                      encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,\
                      application/openmetrics-text;version=0.0.1;q=0.75,text/plain;\
                      version=0.0.4;q=0.5,*/*;q=0.1";
        assert!(wants_protobuf(native));
        let classic = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                       version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert!(!wants_protobuf(classic));
        assert!(!wants_protobuf(""));
        assert!(!wants_protobuf("*/*"));
    }

    #[test]
    fn parameters_and_q_values_count() {
        let pb = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; \
                  encoding=delimited";
        assert!(wants_protobuf(pb));
        assert!(!wants_protobuf(&format!("{pb}; q=0")));
        assert!(!wants_protobuf(&format!("{pb}; q=0.4, text/plain; q=0.5")));
        assert!(wants_protobuf(&format!("text/plain; q=0.5, {pb}; q=0.5")));
        assert!(!wants_protobuf(
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text"
        ));
        assert!(!wants_protobuf(
            "application/vnd.google.protobuf;proto=other.Message;encoding=delimited"
        ));
        assert!(!wants_protobuf("application/vnd.google.protobuf"));
    }
}
