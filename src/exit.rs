//! Exit codes: a stable, documented scheme (README, `--help`, man page).

use std::fmt;

pub const OK: u8 = 0;
pub const BAD_RESPONSE: u8 = 1;
pub const USAGE: u8 = 2;
pub const CONFIG: u8 = 3;
pub const HTTP_4XX: u8 = 4;
pub const HTTP_5XX: u8 = 5;
pub const NETWORK: u8 = 6;
/// 128 + SIGINT, as a shell reports an interrupted command.
pub const INTERRUPTED: u8 = 130;

pub const EXIT_CODES: &[(u8, &str)] = &[
    (OK, "success (2xx)"),
    (
        BAD_RESPONSE,
        "the answer could not be used (malformed, cut short, an HTML page, encoded, no token for -o token), or stdout could not be written",
    ),
    (
        USAGE,
        "usage: unknown operation, option or parameter; an operation the API release lacks; an unknown --api-version; malformed item; a body that does not match the API; a -T file or --output-file that cannot be used",
    ),
    (
        CONFIG,
        "configuration or credentials: no host, a bad credential or release variable, an unusable --api-spec file, no keyring for login",
    ),
    (
        HTTP_4XX,
        "the server answered 4xx (401: log in, or set the token variable)",
    ),
    (
        HTTP_5XX,
        "the server answered 5xx, or another unexpected status; with --wait, the task ended in error",
    ),
    (
        NETWORK,
        "network: DNS, connection refused, TLS, timeout, a stalled transfer; with --wait, the task outlived --wait-timeout",
    ),
    (
        INTERRUPTED,
        "with --wait, Ctrl-C stopped the polling (the task goes on)",
    ),
];

/// A failure to report on stderr, with its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: u8,
    /// One or more lines; the first is the headline.
    pub lines: Vec<String>,
}

impl Failure {
    pub fn new(code: u8, msg: impl Into<String>) -> Self {
        Failure {
            code,
            lines: vec![msg.into()],
        }
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        Failure::new(USAGE, msg)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.lines.push(hint.into());
        self
    }

    /// The HTTP status of a failure that reports the server's answer
    /// (`output::http_error` heads it `HTTP <status> …`).
    pub fn http_status(&self) -> Option<u16> {
        if !matches!(self.code, HTTP_4XX | HTTP_5XX) {
            return None;
        }
        let rest = self.lines.first()?.strip_prefix("HTTP ")?;
        rest.get(..3)?.parse().ok()
    }

    /// Stdout could not be written: exit 1, and silent when the reader went
    /// away (`| head`), which is news to nobody.
    pub fn stdout(e: &std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure {
                code: BAD_RESPONSE,
                lines: Vec::new(),
            };
        }
        Failure::new(BAD_RESPONSE, format!("cannot write to stdout: {e}"))
    }
}

/// Writes `bytes` to stdout and flushes (`print!` panics on a closed pipe).
pub fn print(bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::stdout(&e))
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, line) in self.lines.iter().enumerate() {
            if i == 0 {
                write!(f, "error: {line}")?;
            } else {
                write!(f, "\n  {line}")?;
            }
        }
        Ok(())
    }
}
