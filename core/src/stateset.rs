//! [`StateSet`]: which one of a fixed set of states something is in (Python's `Enum`).

use core::fmt;

use portable_atomic::{AtomicUsize, Ordering};

use crate::encode::{Encoder, Labels};
use crate::metric::Collect;
use crate::name::{self, Desc, MetricType, NameError};

/// A state change was rejected; the current state is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
    /// No state has that name.
    Unknown,
    /// The index is not below the number of states.
    OutOfRange,
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StateError::Unknown => "no such state",
            StateError::OutOfRange => "state index out of range",
        })
    }
}

impl core::error::Error for StateError {}

/// Exactly one of `N` states is current; starts in the first. Exposed as
/// `<name>{<name>="<state>"} 1` for the current state and `0` for the others (a `stateset` in
/// OpenMetrics, gauges in Prometheus text). The label is named after the family, with the
/// registry's namespace (`ns_mode{ns_mode="idle"}`), as OpenMetrics requires; a namespace
/// containing `:` therefore makes an invalid label name.
///
/// ```
/// use edgeprom::StateSet;
/// static TASK: StateSet<3> = StateSet::new("task_state", "Task state",
///     ["starting", "running", "stopped"]);
/// TASK.set("running").unwrap();
/// assert_eq!(TASK.get(), "running");
/// assert!(TASK.set("exploded").is_err());
/// ```
#[derive(Debug)]
pub struct StateSet<const N: usize> {
    desc: Desc<'static>,
    states: [&'static str; N],
    current: AtomicUsize,
}

impl<const N: usize> StateSet<N> {
    /// What [`static_registry!`](crate::static_registry!) checks at compile time.
    #[doc(hidden)]
    pub const fn __parts(&self) -> crate::static_registry::Parts<'_> {
        crate::static_registry::Parts {
            name: self.desc.name(),
            ty: MetricType::StateSet,
            labels: &[],
        }
    }

    /// A state set in its first state.
    ///
    /// # Panics
    /// When the name is not also a valid label name, there are no states, or a state appears
    /// twice (a compile error in a `static`).
    #[track_caller]
    pub const fn new(name: &'static str, help: &'static str, states: [&'static str; N]) -> Self {
        match Self::try_new(name, help, states) {
            Ok(s) => s,
            Err(e) => e.fail(),
        }
    }

    /// A state set, or why the name is invalid.
    pub const fn try_new(
        name: &'static str,
        help: &'static str,
        states: [&'static str; N],
    ) -> Result<Self, NameError> {
        if N == 0 {
            return Err(NameError::NoStates);
        }
        if let Err(e) = name::validate_label_name(name) {
            return Err(e);
        }
        // Each state is a series `name{name="state"}`: two equal states would be one series
        // written twice.
        let mut rest: &[&str] = &states;
        while let [state, more @ ..] = rest {
            let mut others = more;
            while let [other, tail @ ..] = others {
                if name::str_eq(state, other) {
                    return Err(NameError::DuplicateState);
                }
                others = tail;
            }
            rest = more;
        }
        match Desc::try_new(name, help, None) {
            Ok(desc) => Ok(StateSet {
                desc,
                states,
                current: AtomicUsize::new(0),
            }),
            Err(e) => Err(e),
        }
    }

    /// Makes `state` the current state.
    pub fn set(&self, state: &str) -> Result<(), StateError> {
        let i = self
            .states
            .iter()
            .position(|s| *s == state)
            .ok_or(StateError::Unknown)?;
        self.current.store(i, Ordering::Relaxed);
        Ok(())
    }

    /// Makes the state at `index` current.
    pub fn set_index(&self, index: usize) -> Result<(), StateError> {
        if index >= N {
            return Err(StateError::OutOfRange);
        }
        self.current.store(index, Ordering::Relaxed);
        Ok(())
    }

    /// The index of the current state.
    pub fn index(&self) -> usize {
        self.current.load(Ordering::Relaxed)
    }

    /// The current state.
    pub fn get(&self) -> &'static str {
        self.states.get(self.index()).copied().unwrap_or("")
    }
}

impl<const N: usize> Collect for StateSet<N> {
    fn desc(&self) -> Desc<'_> {
        self.desc
    }
    fn metric_type(&self) -> MetricType {
        MetricType::StateSet
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        enc.write_header(&self.desc, MetricType::StateSet)?;
        let current = self.index();
        for (i, state) in self.states.iter().enumerate() {
            let v = u64::from(i == current);
            enc.put_state_sample(&self.desc, &Labels::EMPTY, state, v);
        }
        enc.status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        let s = StateSet::new("st", "h", ["a", "b"]);
        assert_eq!(s.get(), "a");
        s.set_index(1).unwrap();
        assert_eq!((s.index(), s.get()), (1, "b"));
        assert_eq!(s.set_index(2), Err(StateError::OutOfRange));
        assert_eq!(s.set("c"), Err(StateError::Unknown));
        assert_eq!(s.get(), "b");
        assert_eq!(
            StateSet::try_new("a:b", "h", ["x"]).err(),
            Some(NameError::InvalidLabelName)
        );
        assert_eq!(
            StateSet::<0>::try_new("a", "h", []).err(),
            Some(NameError::NoStates)
        );
        for states in [["x", "y", "x"], ["", "y", ""], ["x", "y", "y"]] {
            assert_eq!(
                StateSet::try_new("a", "h", states).err(),
                Some(NameError::DuplicateState),
                "{states:?}"
            );
        }
        assert!(StateSet::try_new("a", "h", ["", "x", "xx"]).is_ok());
    }

    fn encode(r: &crate::Registry<'_, 1>, format: crate::Format) -> heapless::String<256> {
        let mut s = heapless::String::new();
        r.encode_to(format, &mut s).unwrap();
        s
    }

    #[test]
    fn label_is_named_after_the_family_with_namespace() {
        static S: StateSet<2> = StateSet::new("mode", "h", ["idle", "busy"]);
        let mut r: crate::Registry<'_, 1> = crate::Registry::new();
        r.register(&S).unwrap();
        assert_eq!(
            encode(&r, crate::Format::OpenMetrics),
            "# TYPE mode stateset\n# HELP mode h\nmode{mode=\"idle\"} 1\n\
             mode{mode=\"busy\"} 0\n# EOF\n"
        );
        let mut r: crate::Registry<'_, 1> = crate::Registry::new()
            .with_namespace("ns")
            .unwrap()
            .with_const_labels(&[("d", "1")])
            .unwrap();
        r.register(&S).unwrap();
        assert_eq!(
            encode(&r, crate::Format::Prometheus),
            "# HELP ns_mode h\n# TYPE ns_mode gauge\nns_mode{d=\"1\",ns_mode=\"idle\"} 1\n\
             ns_mode{d=\"1\",ns_mode=\"busy\"} 0\n"
        );
    }
}
