//! Metrics whose names are known only at run time, on the heap: [`DynDesc`], [`DynMetric`],
//! [`DynFamily`], and the [`DynRegistry`] that collects them.

mod desc;
mod family;
mod metric;
mod registry;

pub use desc::DynDesc;
pub use family::DynFamily;
pub use metric::DynMetric;
pub use registry::{DynRegisterError, DynRegistry};
