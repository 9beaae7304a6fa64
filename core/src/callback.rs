//! [`CallbackGauge`]: a gauge whose value a function computes at encode time (Python's
//! `set_function`), without allocation.

use core::fmt;
use core::marker::PhantomData;

use crate::encode::{Encoder, Labels};
use crate::metric::Collect;
use crate::name::{Desc, MetricType, NameError};
use crate::number::Number;

/// A gauge read from `f` whenever the registry is encoded.
///
/// ```
/// use core::sync::atomic::{AtomicUsize, Ordering};
/// use edgeprom::CallbackGauge;
/// static QUEUE: AtomicUsize = AtomicUsize::new(3);
/// fn queue_len() -> f64 { QUEUE.load(Ordering::Relaxed) as f64 }
/// static QUEUE_LEN: CallbackGauge<fn() -> f64> =
///     CallbackGauge::new("queue_length", "Items waiting", queue_len);
/// assert_eq!(QUEUE_LEN.get(), 3.0);
/// ```
pub struct CallbackGauge<F, V = f64> {
    desc: Desc<'static>,
    f: F,
    _value: PhantomData<fn() -> V>,
}

impl<F, V> fmt::Debug for CallbackGauge<F, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackGauge")
            .field("desc", &self.desc)
            .finish_non_exhaustive()
    }
}

impl<F: Fn() -> V, V: Number> CallbackGauge<F, V> {
    /// What [`static_registry!`](crate::static_registry!) checks at compile time.
    #[doc(hidden)]
    pub const fn __parts(&self) -> crate::static_registry::Parts<'_> {
        crate::static_registry::Parts {
            name: self.desc.name(),
            ty: MetricType::Gauge,
            labels: &[],
        }
    }

    /// A gauge named `name` whose value is `f()`.
    ///
    /// # Panics
    /// When the name is invalid (a compile error in a `static`).
    #[track_caller]
    pub const fn new(name: &'static str, help: &'static str, f: F) -> Self {
        let desc = match Desc::try_new(name, help, None) {
            Ok(desc) => desc,
            Err(e) => e.fail(),
        };
        CallbackGauge {
            desc,
            f,
            _value: PhantomData,
        }
    }

    /// A gauge, or why the name is invalid.
    pub fn try_new(name: &'static str, help: &'static str, f: F) -> Result<Self, NameError> {
        Ok(CallbackGauge {
            desc: Desc::try_new(name, help, None)?,
            f,
            _value: PhantomData,
        })
    }

    /// Calls the function.
    pub fn get(&self) -> V {
        (self.f)()
    }
}

impl<F: Fn() -> V + Sync, V: Number> Collect for CallbackGauge<F, V> {
    fn desc(&self) -> Desc<'_> {
        self.desc
    }
    fn metric_type(&self) -> MetricType {
        MetricType::Gauge
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        enc.write_header(&self.desc, MetricType::Gauge)?;
        enc.put_sample(&self.desc, "", &Labels::EMPTY, self.get());
        enc.status()
    }
}
