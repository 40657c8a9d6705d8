//! Names for IDs (issue 13): `-o table` and `--names` show each ID of a
//! list with its name, fetched from the details; `-o json` is unchanged.

mod common;

use common::run;
use fake_onezone::{FakeZone, ADMIN_TOKEN};
use onezone_rest_cli::catalogue::Catalogue;
use serde_json::json;

#[test]
fn list_operations_are_found_in_the_catalogue() {
    let cat = Catalogue::newest(onezone_rest_cli::release::service());
    let detail = |name: &str| {
        let op = cat.find(name).unwrap();
        onezone_rest_cli::names::detail_operation(cat, op).map(|d| d.path)
    };
    assert_eq!(detail("listSpaces"), Some("/spaces/{id}"));
    assert_eq!(detail("listUserGroups"), Some("/user/groups/{gid}"));
    assert_eq!(
        detail("listEffectiveUserSpaces"),
        Some("/user/effective_spaces/{sid}")
    );
    assert_eq!(detail("getSpace"), None);
    assert_eq!(detail("createSpace"), None);
}

#[test]
fn list_of_spaces_with_names() {
    let zone = FakeZone::start().unwrap();
    let host = zone.url();
    let oz = |args: &[&str]| run(&host, Some(ADMIN_TOKEN), args);
    let mut ids = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        let r = oz(&["createSpace", &format!("name=={name}")]);
        assert_eq!(r.code, Some(0), "{r}");
        ids.push((r.json()["id"].as_str().unwrap().to_owned(), name));
    }

    let plain = oz(&["-o", "json", "listSpaces"]);
    assert_eq!(plain.code, Some(0), "{plain}");
    let listed: Vec<String> = plain.json()["spaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    for (id, _) in &ids {
        assert!(listed.contains(id), "{plain}");
    }
    // Unchanged: the list as the server sent it, no names fetched.
    let before = zone.requests().len();
    let again = oz(&["-o", "json", "listSpaces"]);
    assert_eq!(again.out(), plain.out());
    assert_eq!(zone.requests().len(), before + 1);

    let table = oz(&["-o", "table", "listSpaces"]);
    assert_eq!(table.code, Some(0), "{table}");
    let text = table.out();
    assert!(text.contains("id") && text.contains("name"), "{text}");
    for (id, name) in &ids {
        let line = text
            .lines()
            .find(|l| l.contains(id.as_str()))
            .unwrap_or_default();
        assert!(line.contains(name), "{id} {name}: {text}");
    }

    let names = oz(&["--names", "listSpaces"]);
    assert_eq!(names.code, Some(0), "{names}");
    let rows = names.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), listed.len());
    for (id, name) in &ids {
        assert!(rows.contains(&json!({"id": id, "name": name})), "{rows:?}");
    }
    assert!(rows
        .iter()
        .all(|r| r.as_object().map(|o| o.len()) == Some(2)));
}
