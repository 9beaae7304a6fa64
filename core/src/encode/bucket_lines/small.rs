//! Bucket lines on bare metal: every line written in full, bounds formatted line by line.

use crate::encode::out::Out;
use crate::encode::{Encoder, Labels};
use crate::name::Desc;

/// Nothing is cached on bare metal.
#[derive(Debug)]
pub(crate) struct BucketCache;

impl BucketCache {
    /// Nothing cached.
    pub(crate) const fn new() -> Self {
        BucketCache
    }
}

impl Encoder<'_> {
    /// The `_bucket` lines of one series: `le(i, out)` writes the `i`th bound (`+Inf` past the
    /// last), `cumulative` yields the counts. The key of float bounds is not used: nothing is
    /// cached here.
    pub(in crate::encode) fn bucket_lines(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        _key: Option<(usize, usize)>,
        le: &dyn Fn(usize, &mut Out<'_>),
        cumulative: &mut dyn FnMut() -> Option<u64>,
    ) {
        let mut i = 0;
        while let Some(count) = cumulative() {
            self.bucket_prefix(desc, labels);
            le(i, &mut self.out);
            self.out.put("\"} ");
            crate::encode::digits::put_u64(&mut self.out, count);
            self.out.put("\n");
            i += 1;
        }
    }
}
