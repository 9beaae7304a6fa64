//! Shapes on bare metal: none kept (they would take stack in every remote write encode);
//! every series is sorted by scanning.

use super::super::Sample;
use super::{Key, Label, Repeat, Segment, Written};

/// No shapes.
#[derive(Debug)]
pub(crate) struct Shapes;

impl Shapes {
    /// None.
    pub(crate) const fn new() -> Self {
        Shapes
    }

    /// None, for any request.
    pub(crate) fn at(_timestamp_ms: u64) -> Self {
        Shapes
    }

    /// Nothing is written in place here: empty.
    pub(in crate::encode::remote_write) fn tail(&self) -> &[u8] {
        &[]
    }

    /// Never a shape: `false`.
    pub(in crate::encode::remote_write) fn prepare(
        &mut self,
        _key: &Key,
        _sample: &Sample<'_>,
    ) -> bool {
        false
    }

    /// Never a shape.
    pub(in crate::encode::remote_write) fn current(&self) -> Option<&Shape> {
        None
    }

    /// Nothing is written in place here.
    pub(in crate::encode::remote_write) fn set_last(&mut self, _last: Option<Written>) {}

    /// Nothing is written in place here.
    pub(in crate::encode::remote_write) fn last(&self) -> Option<Written> {
        None
    }

    /// Nothing is written in place here.
    pub(in crate::encode::remote_write) fn set_repeat(&mut self, _repeat: Option<Repeat>) {}
}

/// No `le` fields kept (they would take stack in every remote write encode): each bucket
/// formats its bound.
#[derive(Debug)]
pub(crate) struct LeFields;

impl LeFields {
    /// None.
    pub(crate) const fn new() -> Self {
        LeFields
    }

    /// Never kept: `false`.
    pub(in crate::encode::remote_write) fn prepare(
        &mut self,
        _key: (usize, usize),
        _le: &dyn Fn(usize, &mut crate::encode::out::Out<'_>),
    ) -> bool {
        false
    }

    /// None kept.
    pub(in crate::encode::remote_write) fn get(&self, _i: usize) -> Option<&[u8]> {
        None
    }
}

/// A shape, of which there is none here.
#[derive(Debug)]
pub(crate) enum Shape {}

impl Shape {
    /// Unreachable: there is no shape.
    pub(in crate::encode::remote_write) fn for_each<'s>(
        &self,
        _sample: &Sample<'s>,
        _f: &mut dyn FnMut(Label<'_, 's>),
    ) {
        match *self {}
    }

    /// Unreachable: there is no shape.
    pub(in crate::encode::remote_write) fn repeat(&self) -> Option<&Repeat> {
        match *self {}
    }

    /// Unreachable: there is no shape.
    pub(in crate::encode::remote_write) fn segments(&self) -> Option<(&[Segment], &[u8])> {
        match *self {}
    }
}
