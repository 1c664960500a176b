//! The underlying error an error of this crate was caused by.

use std::error::Error;
use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

type Inner = dyn Error + Send + Sync + 'static;

/// The underlying error behind a [`Rejection`](crate::Rejection) or a
/// [`CrmError`](crate::crm::CrmError): what the JSON parser or the UTF-8 decoder
/// reported, kept whole so `std::error::Error::source` can hand it on.
///
/// It is shared behind an `Arc` so the errors holding it stay `Clone`. The
/// underlying errors (`serde_json::Error`, `std::str::Utf8Error`, …) have no
/// equality of their own, so two sources are equal when their messages are: two
/// rejections of the same line compare equal, as they did before the source was
/// kept.
///
/// ```
/// # #[cfg(feature = "json")] {
/// use std::error::Error;
/// use pulsecheck::{Call, ErrorSource, Rejection};
///
/// let err = Call::from_json("{not json").unwrap_err();
/// let Rejection::NotJson { source, .. } = &err else { panic!("{err:?}") };
/// assert!(source.downcast_ref::<serde_json::Error>().unwrap().is_syntax());
/// assert!(err.source().unwrap().downcast_ref::<ErrorSource>().is_some());
/// # }
/// ```
#[derive(Clone)]
pub struct ErrorSource(Arc<Inner>);

impl ErrorSource {
    #[cfg(feature = "json")]
    pub(crate) fn new(error: impl Error + Send + Sync + 'static) -> ErrorSource {
        ErrorSource(Arc::new(error))
    }

    /// The underlying error.
    pub fn get_ref(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }

    /// The underlying error as a concrete type, if it is one.
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        let error: &(dyn Error + 'static) = &*self.0;
        error.downcast_ref::<E>()
    }
}

impl fmt::Debug for ErrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for ErrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

// Transparent: the chain goes on with what the underlying error was caused by.
impl Error for ErrorSource {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

// `serde_json::Error` is not unwind safe (it may hold an `io::Error`), which would
// make every rejection and every report holding one unfit for `catch_unwind`. The
// error is never mutated once wrapped (shared read-only behind the `Arc`), so a
// panic cannot leave it half-changed for anyone to observe.
impl UnwindSafe for ErrorSource {}
impl RefUnwindSafe for ErrorSource {}

impl PartialEq for ErrorSource {
    fn eq(&self, other: &ErrorSource) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

impl Eq for ErrorSource {}
