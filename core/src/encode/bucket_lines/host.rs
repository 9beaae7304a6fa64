//! Bucket lines on a host: the prefix of the first line (name, labels, `le="`) copied for the
//! others (from the buffer, or from the stack for other writers), and the `le` strings of
//! float bounds formatted once for every series with the same bounds.

use super::le_cache::LeCache;
use crate::encode::out::Out;
use crate::encode::{Encoder, Labels};
use crate::name::Desc;

/// The `le` strings of the float bounds seen last.
#[derive(Debug)]
pub(crate) struct BucketCache(LeCache);

impl BucketCache {
    /// Nothing cached.
    pub(crate) const fn new() -> Self {
        BucketCache(LeCache::new())
    }
}

/// How much a byte buffer holds so far (`None` for any other writer).
fn buffered(out: &Out<'_>) -> Option<usize> {
    match out {
        Out::Slice(w) => Some(w.pos()),
        _ => None,
    }
}

impl Encoder<'_> {
    /// The `_bucket` lines of one series: `le(i, out)` writes the `i`th bound (`+Inf` past the
    /// last), `cumulative` yields the counts; `key` identifies float bounds, whose strings are
    /// then cached.
    pub(in crate::encode) fn bucket_lines(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        key: Option<(usize, usize)>,
        le: &dyn Fn(usize, &mut Out<'_>),
        cumulative: &mut dyn FnMut() -> Option<u64>,
    ) {
        let start = buffered(&self.out);
        self.bucket_prefix(desc, labels);
        let prefix = start.zip(buffered(&self.out)).map(|(s, e)| (s, e - s));
        // For other writers, the prefix is written once onto the stack when it fits.
        let mut text: heapless::String<128> = heapless::String::new();
        let stacked = prefix.is_none() && {
            let (ns, labels_) = (self.namespace, self.const_labels);
            let mut tmp = Encoder::with_out(Out::new(&mut text), self.format(), ns, labels_, false)
                .with_escaping(self.escaping);
            tmp.bucket_prefix(desc, labels);
            tmp.out.status().is_ok()
        };
        let cached = key.is_some_and(|key| self.buckets.0.prepare(key, le));
        let mut i = 0;
        while let Some(count) = cumulative() {
            if i > 0 {
                match (&mut self.out, prefix) {
                    (Out::Slice(w), Some((at, len))) => w.repeat(at, len),
                    (out, _) if stacked => out.put(&text),
                    _ => self.bucket_prefix(desc, labels),
                }
            }
            match self.buckets.0.get(i).filter(|_| cached) {
                Some(s) => self.out.put(s),
                None => le(i, &mut self.out),
            }
            self.out.put("\"} ");
            crate::encode::digits::put_u64(&mut self.out, count);
            self.out.put("\n");
            i += 1;
        }
    }
}
