//! A series' labels in order of name: their positions, one byte each.

use core::marker::PhantomData;

use super::super::{Parts, Sample, Val};
use super::{insertion_point, SORTED};

/// The positions (for `Sample::get`) of one series' labels, sorted by name.
pub(in crate::encode::remote_write) struct Order<'s>(
    heapless::Vec<u8, SORTED>,
    PhantomData<&'s ()>,
);

impl<'s> Order<'s> {
    /// No labels.
    pub(in crate::encode::remote_write) const fn new() -> Self {
        Order(heapless::Vec::new(), PhantomData)
    }

    /// Puts `sample`'s labels in order of name; `false` (and no order) when it has more than
    /// [`SORTED`].
    pub(in crate::encode::remote_write) fn fill(&mut self, sample: &Sample<'s>) -> bool {
        let order = &mut self.0;
        order.clear();
        let name_at = |j: u8| sample.get(usize::from(j)).flatten().map(|(n, _)| n);
        let mut i = 0;
        while let Some(label) = sample.get(i) {
            let Ok(pos) = u8::try_from(i) else {
                return false;
            };
            i += 1;
            let Some((name, _)) = label else { continue };
            let at = insertion_point(order.len(), &name, |j| {
                order.get(j).and_then(|&p| name_at(p))
            });
            if let Some(at) = at {
                if order.insert(at, pos).is_err() {
                    order.clear();
                    return false;
                }
            }
        }
        true
    }

    /// Calls `f` with each label, in order.
    pub(in crate::encode::remote_write) fn for_each(
        &self,
        sample: &Sample<'s>,
        f: &mut dyn FnMut(Parts<'s>, Val<'s>),
    ) {
        for &pos in &self.0 {
            if let Some((name, value)) = sample.get(usize::from(pos)).flatten() {
                f(name, value);
            }
        }
    }
}
