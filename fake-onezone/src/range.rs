//! The `Range` header of a download (RFC 9110 §14): one byte range.

/// What to send of a body of some size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Range {
    /// All of it (no `Range`, or one the server ignores).
    Full,
    /// Bytes `first..=last` (206).
    Part { first: u64, last: u64 },
    /// Nothing of it can be sent (416).
    Unsatisfiable,
}

/// The range `header` asks for of a body of `size` bytes: `bytes=a-b`,
/// `bytes=a-` or `bytes=-n`. A header that is not one byte range (another
/// unit, several ranges, bad syntax, `b < a`) is ignored, as RFC 9110 allows.
pub(crate) fn parse(header: Option<&str>, size: u64) -> Range {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Range::Full;
    };
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Range::Full;
    };
    let num = |s: &str| {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            None
        } else {
            s.parse::<u64>().ok()
        }
    };
    match (a.trim().is_empty(), num(a), num(b)) {
        // bytes=-n: the last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || size == 0 {
                Range::Unsatisfiable
            } else {
                Range::Part {
                    first: size - n.min(size),
                    last: size - 1,
                }
            }
        }
        (false, Some(first), last) if b.trim().is_empty() || last.is_some() => {
            if last.is_some_and(|l| l < first) {
                Range::Full
            } else if first >= size {
                Range::Unsatisfiable
            } else {
                Range::Part {
                    first,
                    last: last.map_or(size - 1, |l| l.min(size - 1)),
                }
            }
        }
        _ => Range::Full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let p = |h: &str| parse(Some(h), 10);
        assert_eq!(parse(None, 10), Range::Full);
        assert_eq!(p("bytes=2-5"), Range::Part { first: 2, last: 5 });
        assert_eq!(p("bytes=2-50"), Range::Part { first: 2, last: 9 });
        assert_eq!(p("bytes=7-"), Range::Part { first: 7, last: 9 });
        assert_eq!(p("bytes=-3"), Range::Part { first: 7, last: 9 });
        assert_eq!(p("bytes=-30"), Range::Part { first: 0, last: 9 });
        assert_eq!(p("bytes=10-"), Range::Unsatisfiable);
        assert_eq!(p("bytes=-0"), Range::Unsatisfiable);
        assert_eq!(parse(Some("bytes=0-"), 0), Range::Unsatisfiable);
        for ignored in [
            "items=1-2",
            "bytes=5-2",
            "bytes=1-2,4-5",
            "bytes=x-",
            "bytes=-",
            "bytes=+1-2",
        ] {
            assert_eq!(p(ignored), Range::Full, "{ignored}");
        }
    }
}
