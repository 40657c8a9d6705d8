//! `-o table`: an object as key/value rows, a list (or an object holding
//! just one list, as Onezone's `{"spaces": [...]}`) as one row per item,
//! objects in a list as columns of their fields.
//!
//! # Bounds
//! A table is for reading; `-o json` has it all. So a table shows at most
//! [`MAX_COLUMNS`] columns and [`MAX_CELLS`] cells, and its cells share
//! [`TEXT_BUDGET`] characters (each at most [`MAX_CELL_CHARS`], at least
//! [`MIN_CELL_CHARS`]); a line under the table says what was left out.
//! Cells are borrowed from the answer as their JSON text
//! ([`serde_json::value::RawValue`]) and turned into text only once the
//! table's size is known, so memory is the answer plus a bounded table,
//! and time is linear in the answer (comfy-table's work is bounded too).
//! The deadline of `-m` is checked row by row.

use super::escape::push_visible;
use super::json::Minifier;
use super::RenderError;
use comfy_table::{presets, ContentArrangement, Table};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Instant;

/// The most columns a table shows.
pub const MAX_COLUMNS: usize = 50;
/// The most cells a table shows (rows past it are left out).
pub const MAX_CELLS: usize = 20_000;
/// The characters all the cells of a table share.
pub const TEXT_BUDGET: usize = 4_000_000;
/// The most characters of one cell (which also keeps comfy-table's
/// wrapping, quadratic in a cell's length, fast).
pub const MAX_CELL_CHARS: usize = 2000;
/// What a cell keeps however many cells there are.
pub const MIN_CELL_CHARS: usize = 32;

/// A table of a checked JSON document. `width` fits it to a terminal;
/// `None` never wraps. Past `deadline`, [`RenderError::TimedOut`].
pub(super) fn render(
    bytes: &[u8],
    width: Option<u16>,
    unicode: bool,
    deadline: Option<Instant>,
) -> Result<String, RenderError> {
    let clock = Clock::new(deadline);
    let invalid = |e: serde_json::Error| RenderError::InvalidJson(e.to_string());
    let top: Top = serde_json::from_slice(bytes).map_err(invalid)?;
    let model = match &top {
        Top::Object(o) if o.entries.len() == 1 && o.more == 0 => {
            let (key, value) = &o.entries[0];
            if value.get().starts_with('[') {
                let list: List = serde_json::from_str(value.get()).map_err(invalid)?;
                let model = Model::list(key, &list, &clock)?;
                clock.check()?;
                return Ok(model.render(width, unicode));
            }
            Model::object(o, &clock)?
        }
        Top::Object(o) => Model::object(o, &clock)?,
        Top::List(list) => Model::list("value", list, &clock)?,
        Top::Scalar => {
            let text = std::str::from_utf8(bytes).unwrap_or_default();
            return Ok(cell(text.trim(), MAX_CELL_CHARS));
        }
    };
    clock.check()?;
    Ok(model.render(width, unicode))
}

/// `-m`, checked every so many rows.
struct Clock {
    deadline: Option<Instant>,
}

impl Clock {
    fn new(deadline: Option<Instant>) -> Clock {
        Clock { deadline }
    }

    fn check(&self) -> Result<(), RenderError> {
        match self.deadline {
            Some(d) if Instant::now() >= d => Err(RenderError::TimedOut),
            _ => Ok(()),
        }
    }
}

/// The top of the document, its values borrowed as JSON text.
enum Top<'a> {
    Object(Entries<'a>),
    List(List<'a>),
    Scalar,
}

/// The first entries of an object (rows past [`MAX_CELLS`] are counted).
struct Entries<'a> {
    entries: Vec<(String, &'a RawValue)>,
    more: u64,
}

/// The first items of a list.
struct List<'a> {
    items: Vec<&'a RawValue>,
    more: u64,
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Top<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Top<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Top<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Top<'de>, E> {
                Ok(Top::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Top<'de>, E> {
                Ok(Top::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Top<'de>, E> {
                Ok(Top::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Top<'de>, E> {
                Ok(Top::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Top<'de>, E> {
                Ok(Top::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Top<'de>, E> {
                Ok(Top::Scalar)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Top<'de>, A::Error> {
                read_list(seq).map(Top::List)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'de>, A::Error> {
                let mut entries = Vec::new();
                let mut more = 0;
                while let Some(key) = map.next_key::<String>()? {
                    if entries.len() < MAX_CELLS / 2 {
                        entries.push((key, map.next_value::<&RawValue>()?));
                    } else {
                        map.next_value::<IgnoredAny>()?;
                        more += 1;
                    }
                }
                Ok(Top::Object(Entries { entries, more }))
            }
        }
        d.deserialize_any(V)
    }
}

fn read_list<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<List<'de>, A::Error> {
    let mut items = Vec::new();
    let mut more = 0;
    // A row holds at least one cell: the rows past MAX_CELLS are never shown.
    while items.len() < MAX_CELLS {
        match seq.next_element::<&RawValue>()? {
            Some(v) => items.push(v),
            None => return Ok(List { items, more }),
        }
    }
    while seq.next_element::<IgnoredAny>()?.is_some() {
        more += 1;
    }
    Ok(List { items, more })
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for List<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<List<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = List<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<List<'de>, A::Error> {
                read_list(seq)
            }
        }
        d.deserialize_seq(V)
    }
}

/// The fields of an object in a list, in their order.
struct Fields<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Fields<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fields<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut fields = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    fields.push((key, map.next_value::<&RawValue>()?));
                }
                Ok(Fields(fields))
            }
        }
        d.deserialize_map(V)
    }
}

/// A cell of the model: a value as JSON text, or a key of an object.
#[derive(Clone, Copy)]
enum Source<'a> {
    Json(&'a RawValue),
    Key(&'a str),
}

/// What the table shows, cells still as JSON text.
struct Model<'a> {
    header: Option<Vec<String>>,
    rows: Vec<Vec<Option<Source<'a>>>>,
    /// Rows left out (past [`MAX_CELLS`]).
    more_rows: u64,
    /// Distinct fields left out (past [`MAX_COLUMNS`]).
    more_columns: usize,
}

impl<'a> Model<'a> {
    fn object(o: &'a Entries<'_>, clock: &Clock) -> Result<Model<'a>, RenderError> {
        clock.check()?;
        Ok(Model {
            header: None,
            rows: o
                .entries
                .iter()
                .map(|(k, v)| vec![Some(Source::Key(k)), Some(Source::Json(v))])
                .collect(),
            more_rows: o.more,
            more_columns: 0,
        })
    }

    fn list(name: &str, list: &List<'a>, clock: &Clock) -> Result<Model<'a>, RenderError> {
        let all_objects =
            !list.items.is_empty() && list.items.iter().all(|v| v.get().starts_with('{'));
        if !all_objects {
            clock.check()?;
            return Ok(Model {
                header: Some(vec![name.to_owned()]),
                rows: list
                    .items
                    .iter()
                    .map(|v| vec![Some(Source::Json(v))])
                    .collect(),
                more_rows: list.more,
                more_columns: 0,
            });
        }
        let mut columns: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut left_out: HashSet<String> = HashSet::new();
        let mut sparse: Vec<Vec<(usize, &'a RawValue)>> = Vec::new();
        let mut more_rows = list.more;
        let mut cells = 0usize;
        for (i, item) in list.items.iter().enumerate() {
            if i.is_multiple_of(256) {
                clock.check()?;
            }
            let fields: Fields<'a> = serde_json::from_str(item.get())
                .map_err(|e| RenderError::InvalidJson(e.to_string()))?;
            if cells >= MAX_CELLS {
                // Not shown: its fields still count in the note on columns.
                more_rows += 1;
                for (key, _) in fields.0 {
                    if !index.contains_key(&key) {
                        left_out.insert(key);
                    }
                }
                continue;
            }
            let mut row = Vec::new();
            for (key, value) in fields.0 {
                let col = match index.get(&key) {
                    Some(&c) => c,
                    None if columns.len() < MAX_COLUMNS => {
                        index.insert(key.clone(), columns.len());
                        columns.push(key);
                        columns.len() - 1
                    }
                    None => {
                        left_out.insert(key);
                        continue;
                    }
                };
                row.push((col, value));
            }
            sparse.push(row);
            cells += columns.len().max(1);
        }
        let width = columns.len();
        let rows = sparse
            .into_iter()
            .map(|fields| {
                let mut row = vec![None; width];
                for (col, value) in fields {
                    row[col] = Some(Source::Json(value));
                }
                row
            })
            .collect();
        Ok(Model {
            header: Some(columns),
            rows,
            more_rows,
            more_columns: left_out.len(),
        })
    }

    fn render(&self, width: Option<u16>, unicode: bool) -> String {
        let mut t = Table::new();
        t.load_preset(if unicode {
            presets::UTF8_FULL_CONDENSED
        } else {
            presets::ASCII_FULL_CONDENSED
        });
        match width {
            Some(w) => {
                t.set_width(w);
                t.set_content_arrangement(ContentArrangement::Dynamic);
            }
            None => {
                t.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        let cells = self.rows.iter().map(Vec::len).sum::<usize>().max(1);
        let max = (TEXT_BUDGET / cells).clamp(MIN_CELL_CHARS, MAX_CELL_CHARS);
        if let Some(h) = &self.header {
            t.set_header(h.iter().map(|c| cell_text(c, max)).collect::<Vec<_>>());
        }
        for row in &self.rows {
            t.add_row(
                row.iter()
                    .map(|v| match v {
                        Some(Source::Json(v)) => cell(v.get(), max),
                        Some(Source::Key(k)) => cell_text(k, max),
                        None => String::new(),
                    })
                    .collect::<Vec<_>>(),
            );
        }
        let mut out = t.to_string();
        if self.more_columns > 0 {
            out.push_str(&format!(
                "\n… {} more columns not shown (limit {MAX_COLUMNS}); use -o json",
                thousands(self.more_columns as u64)
            ));
        }
        if self.more_rows > 0 {
            out.push_str(&format!(
                "\n… {} more rows not shown (a table shows at most {} cells); use -o json",
                thousands(self.more_rows),
                thousands(MAX_CELLS as u64)
            ));
        }
        out
    }
}

/// A cell of JSON text: a string without its quotes, any other value as
/// compact JSON; unsafe characters escaped (see `escape`), cut at `max`
/// characters with a note of what was left out.
pub(super) fn cell(json: &str, max: usize) -> String {
    if json.starts_with('"') {
        if let Ok(s) = serde_json::from_str::<String>(json) {
            return cell_text(&s, max);
        }
    }
    let mut compact = Vec::with_capacity(json.len().min(max * 4));
    Minifier::default().feed(json.as_bytes(), &mut compact);
    cell_text(&String::from_utf8_lossy(&compact), max)
}

/// `text` escaped and cut at `max` characters.
fn cell_text(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut shown = 0usize;
    let mut more = 0u64;
    let mut escaped = String::new();
    for c in text.chars() {
        escaped.clear();
        push_visible(c, &mut escaped);
        for e in escaped.chars() {
            if shown < max {
                out.push(e);
                shown += 1;
            } else {
                more += 1;
            }
        }
    }
    if more > 0 {
        out.push_str(&format!("… ({more} more characters; see -o json)"));
    }
    out
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(json: &str, width: Option<u16>) -> String {
        render(json.as_bytes(), width, false, None).unwrap()
    }

    #[test]
    fn shapes() {
        assert_eq!(
            table(r#"{"spaces": ["s1", "s2"]}"#, None),
            "+--------+\n| spaces |\n+========+\n| s1     |\n| s2     |\n+--------+"
        );
        assert_eq!(
            table(r#"{"name": "x", "n": {"a": 1}}"#, None),
            "+------+---------+\n| name | x       |\n| n    | {\"a\":1} |\n+------+---------+"
        );
        let t = table(
            r#"[{"id": "a", "name": "A"}, {"id": "b", "x": true}]"#,
            None,
        );
        assert!(t.contains("| id | name | x    |"), "{t}");
        assert!(t.contains("| b  |      | true |"), "{t}");
        let long = format!(r#"{{"description": "{}"}}"#, "word ".repeat(40));
        let t = render(long.as_bytes(), Some(40), true, None).unwrap();
        assert!(t.lines().all(|l| l.chars().count() <= 40), "{t}");
        assert_eq!(table("\"a\\u001bb\"", None), "a\\u{1b}b");
    }

    #[test]
    fn huge_cells_are_cut() {
        let t = table(
            &format!(r#"{{"blob": "{}"}}"#, "é".repeat(50_000)),
            Some(80),
        );
        assert_eq!(t.chars().filter(|c| *c == 'é').count(), 2000);
        assert!(t.contains("(48000 more characters; see -o json)"), "{t}");
    }

    #[test]
    fn columns_and_rows_are_capped_and_said_so() {
        // Every object with a key of its own: once quadratic (4,000 × 4,000
        // cells); now 50 columns, and a line for the rest.
        let items: Vec<String> = (0..4000).map(|i| format!(r#"{{"k{i}": {i}}}"#)).collect();
        let doc = format!("[{}]", items.join(","));
        let t = table(&doc, None);
        assert!(
            t.contains("\n… 3,950 more columns not shown (limit 50); use -o json\n"),
            "{}",
            &t[t.len() - 200..]
        );
        assert!(
            t.ends_with(
                "\n… 3,575 more rows not shown (a table shows at most 20,000 cells); use -o json"
            ),
            "{}",
            &t[t.len() - 200..]
        );
        assert!(t.len() < 10 << 20, "{}", t.len());
        let zeros = format!("[{}0]", "0,".repeat(300_000));
        let t = table(&zeros, Some(80));
        assert!(
            t.ends_with(
                "\n… 280,001 more rows not shown (a table shows at most 20,000 cells); use -o json"
            ),
            "{}",
            &t[t.len() - 200..]
        );
    }

    #[test]
    fn a_passed_deadline_stops_it() {
        let past = Instant::now().checked_sub(std::time::Duration::from_secs(1));
        assert!(matches!(
            render(b"[{\"a\": 1}]", None, false, past),
            Err(RenderError::TimedOut)
        ));
    }

    #[test]
    fn numbers_with_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(3950), "3,950");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
