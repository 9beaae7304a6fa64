//! `defmt::Format` for the core's value and error types (feature `defmt`).

use defmt::{write, Format, Formatter};

use crate::{
    BucketsError, CounterError, EncodeError, ExemplarError, ExemplarWrite, LabelError, MetricType,
    NameError, ObserveError, RegisterError, SampleValue, StateError,
};

impl Format for NameError {
    fn format(&self, f: Formatter<'_>) {
        write!(f, "{=str}", self.as_str())
    }
}

impl Format for LabelError {
    fn format(&self, f: Formatter<'_>) {
        match self {
            LabelError::WrongCount { expected, got } => {
                write!(
                    f,
                    "expected {=usize} label values, got {=usize}",
                    expected, got
                )
            }
            LabelError::UnknownLabel { position } => write!(
                f,
                "the label name given at position {=usize} is not one of the family's",
                position
            ),
            LabelError::DuplicateLabel { position } => write!(
                f,
                "the label name given at position {=usize} was given before",
                position
            ),
            LabelError::ValueTooLong {
                family,
                label,
                len,
                max,
                ..
            } => write!(
                f,
                "the value of label `{=str}` of family `{=str}` is {=usize} bytes; at most {=usize}",
                label, family, len, max
            ),
            LabelError::Full { capacity } => {
                write!(f, "label family is full ({=usize} series)", capacity)
            }
            LabelError::Busy => write!(f, "series is being created by another thread"),
        }
    }
}

impl Format for RegisterError<'_> {
    fn format(&self, f: Formatter<'_>) {
        match self {
            RegisterError::Full { capacity, name } => write!(
                f,
                "cannot register `{=str}`: the registry is full ({=usize} families)",
                name, capacity
            ),
            RegisterError::NameClash {
                name,
                existing,
                existing_suffix,
            } => write!(
                f,
                "cannot register `{=str}`: `{=str}{=str}` is written by `{=str}` already",
                name, existing, existing_suffix, existing
            ),
            RegisterError::LabelClash { name, label } => write!(
                f,
                "cannot register `{=str}`: its label `{=str}` is also a constant label",
                name, label
            ),
            RegisterError::InvalidStateLabel { name, namespace } => write!(
                f,
                "cannot register the state set `{=str}` under the namespace `{=str}`",
                name, namespace
            ),
            RegisterError::InvalidNamespace { namespace, error } => {
                write!(f, "invalid namespace `{=str}`: {}", namespace, error)
            }
            RegisterError::InvalidConstLabel { label, error } => {
                write!(f, "invalid constant label `{=str}`: {}", label, error)
            }
        }
    }
}

impl Format for EncodeError {
    fn format(&self, f: Formatter<'_>) {
        match self {
            EncodeError::BufferTooSmall { needed } => {
                write!(f, "buffer too small: needs {=usize} bytes", needed)
            }
            EncodeError::Write => write!(f, "a collector or the writer failed"),
        }
    }
}

impl Format for CounterError {
    fn format(&self, f: Formatter<'_>) {
        match self {
            CounterError::Negative => write!(f, "counter increment is negative"),
            CounterError::NotFinite => write!(f, "counter increment is NaN or infinite"),
        }
    }
}

impl Format for ObserveError {
    fn format(&self, f: Formatter<'_>) {
        match self {
            ObserveError::NotFinite => write!(f, "observed value is NaN or infinite"),
            ObserveError::Negative => {
                write!(f, "observed value is negative, and the sum is a counter")
            }
            ObserveError::TooManyBuckets => {
                write!(
                    f,
                    "observed value needs more native histogram buckets than there are"
                )
            }
        }
    }
}

impl Format for StateError {
    fn format(&self, f: Formatter<'_>) {
        match self {
            StateError::Unknown => write!(f, "no such state"),
            StateError::OutOfRange => write!(f, "state index out of range"),
        }
    }
}

impl Format for BucketsError {
    fn format(&self, f: Formatter<'_>) {
        match self {
            BucketsError::Empty => write!(f, "histogram buckets are empty"),
            BucketsError::NotFinite => write!(f, "histogram bucket bound is not finite"),
            BucketsError::NotIncreasing => write!(f, "histogram buckets not increasing"),
            BucketsError::CountsMismatch => write!(f, "bucket counts do not match bounds"),
            BucketsError::NotExact => write!(f, "integer bucket bound is not exactly a float"),
        }
    }
}

impl Format for ExemplarError {
    fn format(&self, f: Formatter<'_>) {
        match self {
            ExemplarError::TooLong { chars } => write!(
                f,
                "the exemplar's labels have {=usize} UTF-8 characters, over the limit of 128",
                chars
            ),
            ExemplarError::TooBig { bytes, capacity } => write!(
                f,
                "the exemplar's labels need {=usize} bytes; the metric keeps {=usize}",
                bytes, capacity
            ),
            ExemplarError::InvalidLabelName { index, error } => write!(
                f,
                "exemplar label name {=usize} is invalid: {}",
                index, error
            ),
            ExemplarError::DuplicateLabel { index } => {
                write!(f, "exemplar label name {=usize} was given before", index)
            }
            ExemplarError::Counter(e) => write!(f, "the counter increment was refused: {}", e),
            ExemplarError::Observe(e) => write!(f, "the observation was refused: {}", e),
        }
    }
}

impl Format for ExemplarWrite {
    fn format(&self, f: Formatter<'_>) {
        match self {
            ExemplarWrite::Stored => write!(f, "exemplar stored"),
            ExemplarWrite::Dropped => write!(f, "exemplar dropped: another writer held it"),
        }
    }
}

impl Format for MetricType {
    fn format(&self, f: Formatter<'_>) {
        write!(f, "{=str}", crate::encode::openmetrics::type_name(*self))
    }
}

impl Format for SampleValue {
    fn format(&self, f: Formatter<'_>) {
        match self {
            SampleValue::Unsigned(v) => write!(f, "{=u64}", v),
            SampleValue::Signed(v) => write!(f, "{=i64}", v),
            SampleValue::Float(v) => write!(f, "{=f64}", v),
            SampleValue::Float32(v) => write!(f, "{=f32}", v),
            SampleValue::Timestamp(d) => {
                write!(f, "{=u64}.{=u32:09}", d.as_secs(), d.subsec_nanos())
            }
        }
    }
}

impl Format for crate::push::PushPathError {
    fn format(&self, f: Formatter<'_>) {
        match self {
            crate::push::PushPathError::InvalidLabel(e) => {
                write!(f, "invalid grouping-key label: {}", e)
            }
            crate::push::PushPathError::DuplicateLabel => {
                write!(f, "grouping-key label is `job` or appears twice")
            }
            crate::push::PushPathError::Write => write!(f, "the path did not fit"),
        }
    }
}

impl Format for crate::Format {
    fn format(&self, f: Formatter<'_>) {
        match self {
            crate::Format::Prometheus => write!(f, "Prometheus"),
            crate::Format::OpenMetrics => write!(f, "OpenMetrics"),
            crate::Format::PrometheusV1 => write!(f, "Prometheus text 1.0.0"),
        }
    }
}

impl Format for crate::Desc<'_> {
    fn format(&self, f: Formatter<'_>) {
        match self.unit() {
            Some(unit) => write!(f, "{=str} ({=str})", self.name(), unit),
            None => write!(f, "{=str}", self.name()),
        }
    }
}

impl Format for crate::FixedClock {
    fn format(&self, f: Formatter<'_>) {
        write!(
            f,
            "FixedClock({=u64}.{=u32:09} s)",
            self.0.as_secs(),
            self.0.subsec_nanos()
        )
    }
}
