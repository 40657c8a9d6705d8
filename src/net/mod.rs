//! Sending a request, following redirects, and handing the answer to
//! `output`.
//!
//! - [`client`]: the HTTP client and the options that shape the exchange
//!   (TLS, proxy, `--cacert`, time limits);
//! - [`send`](mod@send): [`send()`] and [`fetch()`], the runtime, the exchange
//!   with its redirects and retries;
//! - [`answer`]: the final answer, printed (or read whole by [`fetch()`]);
//! - [`redirect`]: which redirects are followed, and where to;
//! - [`retry`]: `--retry`, its backoff and `Retry-After`;
//! - [`diagnose`]: failures to get an answer, as messages and hints;
//! - `upload`: a streamed request body (`-T FILE`, or a binary `-`);
//! - [`verbose`]: `-v` and `-i`.

pub mod answer;
pub mod client;
pub mod diagnose;
pub mod redirect;
pub mod retry;
pub mod send;
mod upload;
pub mod verbose;

pub use redirect::MAX_REDIRECTS;
pub use send::{complete_credential, fetch, send, Fetched, Sent};
