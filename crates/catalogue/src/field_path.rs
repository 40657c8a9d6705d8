//! A place in a JSON document, written as the request-item grammar writes
//! it (`caveats[0][type]`): what validation reports and what items build.

/// One step into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    /// `[]`: append to an array.
    Append,
    /// `[N]`: the N-th element of an array.
    Index(usize),
}

/// `[Key(a), Index(0), Key(b)]` → `a[0][b]`.
pub fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for (i, seg) in path.iter().enumerate() {
        match seg {
            Seg::Key(k) if i == 0 => out.push_str(&escape_key(k)),
            Seg::Key(k) => out.push_str(&format!("[{}]", escape_key(k))),
            Seg::Append => out.push_str("[]"),
            Seg::Index(n) => out.push_str(&format!("[{n}]")),
        }
    }
    out
}

/// A field name as an item key: separators, brackets and `\` escaped.
pub fn escape_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '=' | ':' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
