//! Release numbers (`21.02.7`, a line such as `20.02`) and which release
//! of a catalogue answers to one that a user or a server names.

use crate::model::Service;
use std::cmp::Ordering;

/// The numeric parts of a release: `21.02.7` → `[21, 2, 7]`. A leading `v`
/// and a suffix after `-` or `+` (`21.02.0-alpha28`) are ignored; anything
/// else that is not digits and dots is `None`.
pub fn parse(text: &str) -> Option<Vec<u32>> {
    let t = text.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    let t = t.split(['-', '+']).next().unwrap_or(t);
    if t.is_empty() {
        return None;
    }
    let parts: Option<Vec<u32>> = t
        .split('.')
        .map(|p| {
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse().ok()
            }
        })
        .collect();
    parts.filter(|p| (1..=4).contains(&p.len()))
}

fn compare(a: &[u32], b: &[u32]) -> Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// How a named release maps onto the catalogue's releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Exactly this release.
    Exact(u8),
    /// A line (`20.02`): its newest release.
    Line(u8),
    /// Newer than every release of the catalogue: the newest.
    Newer(u8),
    /// Not a release of the catalogue: the nearest release of its line
    /// (the newest not newer than it, else the line's oldest); for a line
    /// we lack, the nearest older release (or the oldest of all).
    Nearest(u8),
}

impl Match {
    pub fn index(self) -> u8 {
        match self {
            Match::Exact(i) | Match::Line(i) | Match::Newer(i) | Match::Nearest(i) => i,
        }
    }
}

impl Service {
    /// The release of this catalogue that serves a server or user naming
    /// `text`; `None` when `text` is not a release number.
    pub fn match_release(&self, text: &str) -> Option<Match> {
        let wanted = parse(text)?;
        let known: Vec<(u8, Vec<u32>)> = self
            .releases
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((u8::try_from(i).ok()?, parse(r)?)))
            .collect();
        if let Some((i, _)) = known.iter().find(|(_, v)| compare(v, &wanted).is_eq()) {
            // `21.02` equals `21.02.0` numerically; a line is only a line
            // when no release is called that.
            if wanted.len() > 2 || known.iter().all(|(_, v)| v.len() == wanted.len()) {
                return Some(Match::Exact(*i));
            }
        }
        if wanted.len() == 2 {
            if let Some((i, _)) = known.iter().rev().find(|(_, v)| v.starts_with(&wanted)) {
                return Some(Match::Line(*i));
            }
        }
        let (newest, newest_v) = known.last()?;
        if compare(&wanted, newest_v).is_gt() {
            return Some(Match::Newer(*newest));
        }
        let line = &wanted[..wanted.len().min(2)];
        let in_line: Vec<&(u8, Vec<u32>)> =
            known.iter().filter(|(_, v)| v.starts_with(line)).collect();
        let nearest = if in_line.is_empty() {
            known
                .iter()
                .rev()
                .find(|(_, v)| compare(v, &wanted).is_lt())
                .or(known.first())?
        } else {
            in_line
                .iter()
                .rev()
                .find(|(_, v)| compare(v, &wanted).is_lt())
                .or(in_line.first())
                .copied()?
        };
        Some(Match::Nearest(nearest.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static RELEASES: Service = Service {
        format: crate::model::FORMAT,
        name: "onezone",
        title: "Onezone",
        base_path: "/api/v3/onezone",
        releases: &["19.02.5", "20.02.20", "21.02.1", "21.02.7"],
        auth: &[],
        tags: &[],
        operations: &[],
        schemas: &[],
        aliases: &[],
    };

    #[test]
    fn parses_release_numbers() {
        assert_eq!(parse("21.02.7"), Some(vec![21, 2, 7]));
        assert_eq!(parse("v20.02"), Some(vec![20, 2]));
        assert_eq!(parse("21.02.0-alpha28"), Some(vec![21, 2, 0]));
        for bad in ["", "abc", "21..7", "21.02.x", "1.2.3.4.5", "99999999999"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn matches_exact_line_newer_and_nearest() {
        let m = |t| RELEASES.match_release(t);
        assert_eq!(m("20.02.20"), Some(Match::Exact(1)));
        assert_eq!(m("21.02"), Some(Match::Line(3)));
        assert_eq!(m("20.02"), Some(Match::Line(1)));
        assert_eq!(m("25.02.1"), Some(Match::Newer(3)));
        assert_eq!(m("21.02.8"), Some(Match::Newer(3)));
        assert_eq!(m("21.02.4"), Some(Match::Nearest(2)));
        assert_eq!(m("20.02.5"), Some(Match::Nearest(1)));
        assert_eq!(m("18.02.1"), Some(Match::Nearest(0)));
        assert_eq!(m("20.10"), Some(Match::Nearest(1)));
        assert_eq!(m("nope"), None);
    }
}
