//! "Did you mean": the operations a name that the catalogue lacks may
//! mean. Two kinds of closeness count:
//!
//! - by words: the name's words against each operation's words, those of
//!   its name (its operationId) and those of its method and path, a verb
//!   standing for the verbs of its kind (`listUsers` finds `ozUsersList`,
//!   GET /users; `modifyHandle` finds `handleUpdate`, PATCH /handles/{id});
//!   these are the documentation's names and the old clients' names;
//! - by spelling: typos (`forsceStart…`), and names that a longer one
//!   starts with.
//!
//! An operation's aliases (the documentation's and earlier releases'
//! names, `Catalogue::aliases_of`) count as its names: a typo of an alias
//! suggests the operation.
//!
//! Nothing here makes a name work: it is only ever suggested.

use crate::catalogue::{Catalogue, Operation};
use std::collections::BTreeMap;

/// At most this many names are suggested.
const SHOWN: usize = 3;
/// At most this many of them come from the closeness by words.
const BY_WORDS: usize = 2;
/// How close by words a suggestion must be (1 is the same words).
const WORDS_MIN: f64 = 0.75;
/// How close by spelling a suggestion must be (Jaro-Winkler).
const SPELLING_MIN: f64 = 0.8;
/// Where nothing else is close enough, the closest spelling, if this close.
const FALLBACK_MIN: f64 = 0.7;
/// How close an operation that takes the parameters given to another one
/// must be: a name that a parameter does not fit is most often right.
const TAKING_MIN: f64 = 0.9;

/// Verbs of one kind, as names use them: the first one of each list is
/// also the kind of the HTTP methods in [`method_verb`].
const VERBS: [&[&str]; 4] = [
    &["get", "list", "show", "read", "fetch"],
    &["update", "modify", "change", "set", "edit", "patch"],
    &["create", "add", "register", "new", "post"],
    &["delete", "remove"],
];

/// Up to three operations of the release that `name` may mean: the two
/// closest by words, then the closest by spelling.
pub fn operations(cat: Catalogue, name: &str) -> Vec<&'static str> {
    let given = words(name);
    let by_words = ranked(cat, |op| {
        cat.aliases_of(op.name)
            .map(|a| by_words_as(&given, a, op))
            .fold(by_words(&given, op), f64::max)
    });
    let by_spelling = ranked(cat, |op| {
        cat.aliases_of(op.name)
            .map(|a| by_spelling(name, a))
            .fold(by_spelling(name, op.name), f64::max)
    });
    let mut out: Vec<&'static str> = Vec::new();
    let close_words = by_words
        .iter()
        .filter(|(score, _)| *score > WORDS_MIN)
        .take(BY_WORDS);
    let close_spelling = by_spelling
        .iter()
        .filter(|(score, _)| *score > SPELLING_MIN);
    for (_, op) in close_words.chain(close_spelling) {
        if out.len() < SHOWN && !out.contains(op) {
            out.push(op);
        }
    }
    if out.is_empty() {
        out.extend(
            by_spelling
                .first()
                .filter(|(score, _)| *score > FALLBACK_MIN)
                .map(|(_, op)| *op),
        );
    }
    out
}

/// Operations of the release close to `name` (by words or by spelling)
/// that take every one of the parameters `params`: what a command line
/// meant whose operation lacks some of its parameters.
pub fn taking(cat: Catalogue, name: &str, params: &[&str]) -> Vec<&'static str> {
    let given = words(name);
    let takes = |op: &'static Operation| {
        let all = op.all_params();
        params.iter().all(|p| all.iter().any(|q| q.name == *p))
    };
    let mut scored: Vec<(f64, &'static str)> = cat
        .operations()
        .filter(|op| op.name != name && takes(op))
        .map(|op| {
            let score = by_words(&given, op).max(by_spelling(name, op.name));
            (score, op.name)
        })
        .filter(|(score, _)| *score > TAKING_MIN)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(SHOWN).map(|(_, n)| n).collect()
}

/// The operations of the release by `score`, best first.
fn ranked(cat: Catalogue, score: impl Fn(&'static Operation) -> f64) -> Vec<(f64, &'static str)> {
    let mut scored: Vec<(f64, &'static str)> =
        cat.operations().map(|op| (score(op), op.name)).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
}

/// Jaro-Winkler, with a bonus for a name that the operation's starts with.
fn by_spelling(name: &str, op_name: &str) -> f64 {
    let (given, other) = (name.to_lowercase(), op_name.to_lowercase());
    let bonus = if other.starts_with(&given) { 0.5 } else { 0.0 };
    strsim::jaro_winkler(&given, &other) + bonus
}

/// How close the words `given` are to the operation's: the mean of their
/// closeness to its name's words and to its method's and path's words.
fn by_words(given: &[String], op: &Operation) -> f64 {
    by_words_as(given, op.name, op)
}

/// [`by_words`], with `name` (an alias) for the operation's name.
fn by_words_as(given: &[String], name: &str, op: &Operation) -> f64 {
    let name = words(name);
    let mut path = vec![method_verb(op.method).to_owned()];
    for seg in op.path.split('/').filter(|s| !s.starts_with('{')) {
        path.extend(words(seg));
    }
    (closeness(given, &name) + closeness(given, &path)) / 2.0
}

/// The Dice coefficient of the letter pairs of two lists of words, where a
/// verb that the other list does not have stands for its kind (`list`
/// where the other says `get`); a verb both spell counts as itself.
fn closeness(given: &[String], other: &[String]) -> f64 {
    let as_kind = |w: &String, other: &[String]| match verb_kind(w) {
        Some(kind) if !other.contains(w) => kind.to_owned(),
        _ => w.clone(),
    };
    let a: Vec<String> = given.iter().map(|w| as_kind(w, other)).collect();
    let b: Vec<String> = other.iter().map(|w| as_kind(w, given)).collect();
    let (pa, pb) = (pairs(&a), pairs(&b));
    let total: usize = pa.values().chain(pb.values()).sum();
    let common: usize = pa
        .iter()
        .map(|(pair, n)| (*n).min(pb.get(pair).copied().unwrap_or(0)))
        .sum();
    if total == 0 {
        0.0
    } else {
        // Both counts are small (the letters of a name).
        (2 * common) as f64 / total as f64
    }
}

/// The letter pairs within each word, counted.
fn pairs(words: &[String]) -> BTreeMap<(char, char), usize> {
    let mut out = BTreeMap::new();
    for w in words {
        let chars: Vec<char> = w.chars().collect();
        for pair in chars.windows(2) {
            *out.entry((pair[0], pair[1])).or_insert(0) += 1;
        }
    }
    out
}

/// The kind of a verb (`list` → `get`), if it is one.
fn verb_kind(word: &str) -> Option<&'static str> {
    VERBS
        .iter()
        .find(|kind| kind.contains(&word))
        .and_then(|kind| kind.first().copied())
}

/// The kind of verb an HTTP method stands for.
fn method_verb(method: &str) -> &'static str {
    match method {
        "GET" | "HEAD" => "get",
        "POST" => "create",
        "PUT" | "PATCH" => "update",
        "DELETE" => "delete",
        _ => "",
    }
}

/// `getEffectiveChildGroups`, `oz_users_list`, `storage-import` → their
/// lowercase words.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        let boundary = !c.is_alphanumeric() || (c.is_uppercase() && prev_lower);
        if boundary && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Catalogue {
        Catalogue::newest(crate::release::service())
    }

    #[test]
    fn names_split_into_words() {
        assert_eq!(
            words("getEffectiveChildGroups"),
            ["get", "effective", "child", "groups"]
        );
        assert_eq!(words("oz_users_list"), ["oz", "users", "list"]);
        assert_eq!(words("storage-import"), ["storage", "import"]);
        assert_eq!(words("getURL2"), ["get", "url2"]);
    }

    #[test]
    fn a_verb_stands_for_its_kind_unless_both_spell_it() {
        let w = |s: &str| words(s);
        assert!((closeness(&w("listUsers"), &w("getUsers")) - 1.0).abs() < 1e-9);
        assert!((closeness(&w("addUser"), &w("createUser")) - 1.0).abs() < 1e-9);
        // Spelled by both, `register` is itself: the other verb is left over.
        assert!(closeness(&w("registerUser"), &w("createRegisterUser")) < 1.0);
        assert!(closeness(&w("listUsers"), &w("deleteUsers")) < 0.8);
    }

    #[test]
    fn other_words_for_an_operation_find_it() {
        for (given, meant) in [
            // The words of the operationId, in another order, other verbs.
            ("listUsers", "ozUsersList"),
            ("modifyHandle", "handleUpdate"),
            ("listClusters", "ozClustersList"),
            // A typo.
            ("creatSpace", "createSpace"),
        ] {
            let found = operations(zone(), given);
            assert!(found.contains(&meant), "{given}: {found:?}");
            assert!(found.len() <= SHOWN, "{given}: {found:?}");
        }
        assert!(operations(zone(), "xyzzy").is_empty());
    }

    #[test]
    fn a_typo_of_an_alias_finds_its_operation() {
        for (given, meant) in [
            ("getUserSpace", "listUserSpaces"),
            ("createGroupForUsr", "createUserGroup"),
            ("getSpaceProviderTokens", "createSpaceSupportToken"),
        ] {
            let found = operations(zone(), given);
            assert!(found.contains(&meant), "{given}: {found:?}");
        }
    }

    #[test]
    fn an_operation_that_takes_the_parameters() {
        let found = taking(zone(), "getGroupUsers", &["id", "uid"]);
        assert!(found.contains(&"getGroupUser"), "{found:?}");
        assert!(taking(zone(), "getGroupUsers", &["nonexistent"]).is_empty());
    }
}
