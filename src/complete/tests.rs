use super::*;

fn zone() -> Catalogue {
    Catalogue::newest(crate::release::service())
}

fn env() -> Environment {
    Environment {
        host: Some("https://zone.example.com".into()),
        ..Environment::default()
    }
}

/// The words `current` completes to (`prefix + word`), in order.
fn ask(line: &[&str], current: &str) -> Vec<String> {
    let words: Vec<String> = line.iter().map(|s| (*s).to_owned()).collect();
    match complete(&words, current, &env()) {
        Reply::Words { prefix, candidates } => candidates
            .into_iter()
            .map(|c| format!("{prefix}{}", c.word))
            .filter(|w| w.starts_with(current))
            .collect(),
        Reply::Files { prefix } => vec![format!("FILES:{prefix}")],
    }
}

#[test]
fn a_complete_operation_name_still_offers_itself_and_longer_ones() {
    let got = ask(&[], "createSpace");
    assert!(got.contains(&"createSpace".to_owned()), "{got:?}");
    assert!(
        got.contains(&"createSpaceSupportToken".to_owned()),
        "{got:?}"
    );
    assert!(got.iter().all(|w| w.starts_with("createSpace")));
    assert_eq!(
        ask(&[], "").len(),
        zone().operations().count() + BUILTINS_LEN()
    );
}

#[allow(non_snake_case)]
fn BUILTINS_LEN() -> usize {
    builtins::BUILTINS.len()
}

#[test]
fn builtins_are_offered_with_their_arguments() {
    assert!(ask(&[], "comp").contains(&"completions".to_owned()));
    assert_eq!(ask(&["completions"], ""), ["bash", "zsh", "fish"]);
    assert!(ask(&["man"], "").is_empty());
    assert!(ask(&["completions"], "--").contains(&"--help".to_owned()));
}

#[test]
fn parameters_and_fields_by_kind() {
    assert_eq!(ask(&["createSpaceSupportToken"], ""), ["id="]);
    assert_eq!(ask(&["joinGroup"], ""), ["token=="]);
    let space = ask(&["createSpace"], "");
    assert!(space.contains(&"name==".to_owned()), "{space:?}");
    assert!(space.contains(&"tags:=".to_owned()), "{space:?}");
    assert!(
        space.contains(&"advertisedInMarketplace:=".to_owned()),
        "{space:?}"
    );
}

#[test]
fn given_items_are_not_offered_again() {
    assert!(ask(&["createSpaceSupportToken", "id=abc"], "").is_empty());
    let space = ask(&["createSpace", "name==x", "-k"], "");
    assert!(!space.contains(&"name==".to_owned()), "{space:?}");
    assert!(space.contains(&"description==".to_owned()), "{space:?}");
}

#[test]
fn path_variants_exclude_each_other() {
    let op = "updateGroupHandleServicePrivileges";
    let all = ask(&[op], "");
    for p in ["id=", "gid=", "uid="] {
        assert!(all.contains(&p.to_owned()), "{all:?}");
    }
    let users = ask(&[op, "uid=u"], "");
    assert!(
        users.contains(&"id=".to_owned()) && !users.contains(&"gid=".to_owned()),
        "{users:?}"
    );
}

#[test]
fn enum_values_after_the_separator() {
    assert_eq!(
        ask(&["createGroup"], "type=="),
        [
            "type==organization",
            "type==unit",
            "type==team",
            "type==role_holders"
        ]
    );
    assert_eq!(ask(&["createGroup"], "type==t"), ["type==team"]);
    // On the way from `type=` to `type==`.
    assert_eq!(ask(&["createGroup"], "type="), ["type=="]);
    assert_eq!(
        ask(&["createSpace"], "advertisedInMarketplace:="),
        [
            "advertisedInMarketplace:=true",
            "advertisedInMarketplace:=false"
        ]
    );
    assert!(ask(&["createSpaceSupportToken"], "id=").is_empty());
}

#[test]
fn files_after_at_and_cacert() {
    assert_eq!(ask(&["createSpace"], "name==@"), ["FILES:name==@"]);
    assert_eq!(ask(&["--cacert"], ""), ["FILES:"]);
    assert_eq!(ask(&[], "--cacert="), ["FILES:--cacert="]);
}

#[test]
fn option_values() {
    let mimes: Vec<String> = cli::MIME_ABBREVIATIONS
        .iter()
        .map(|(a, _)| (*a).to_owned())
        .collect();
    assert_eq!(ask(&["-ct"], ""), mimes);
    assert_eq!(ask(&["createSpace", "--accept"], ""), mimes);
    assert_eq!(ask(&["-o"], "t"), ["table", "token"]);
    assert_eq!(ask(&[], "--output=p"), ["--output=pretty"]);
    assert_eq!(ask(&[], "-ot"), ["-otable", "-otoken"]);
    assert_eq!(ask(&["--host"], ""), ["https://zone.example.com"]);
    // Option values are not mistaken for the operation.
    assert_eq!(ask(&["-o", "json", "createSpaceSupportToken"], ""), ["id="]);
    assert_eq!(ask(&["-ct", "json", "joinGroup"], ""), ["token=="]);
}

#[test]
fn option_names_include_the_old_spellings() {
    let got = ask(&[], "-");
    for o in ["-ac", "-ct", "-nc", "--dry-run", "-k", "--cacert"] {
        assert!(got.contains(&o.to_owned()), "{o} in {got:?}");
    }
    assert_eq!(ask(&[], "-c"), ["-ct"]);
    let spellings: Vec<String> = old_spellings().into_iter().map(|(o, _)| o).collect();
    assert_eq!(spellings, ["-ac", "-ct", "-nc"]);
}

#[test]
fn stdin_item_after_an_operation_with_a_body() {
    assert!(ask(&["createSpace"], "-").contains(&"-".to_owned()));
    assert!(!ask(&["getCurrentUser"], "-").contains(&"-".to_owned()));
    assert!(!ask(&["createSpace", "-"], "-").contains(&"-".to_owned()));
}

#[test]
fn nested_fields() {
    let got = ask(&["createSpace"], "tags[");
    assert_eq!(got, ["tags[]=="], "{got:?}");
}

#[test]
fn discriminated_bodies_offer_the_variant_fields() {
    // An operation whose body is polymorphic at the top, if any.
    let Some(op) = zone().operations().find(|op| {
        zone()
            .body_object(op)
            .is_some_and(|o| o.discriminator.is_some())
    }) else {
        return;
    };
    let Some(d) = zone()
        .body_object(op)
        .and_then(|o| o.discriminator.as_ref())
    else {
        return;
    };
    let values = ask(&[op.name], &format!("{}==", d.field));
    assert_eq!(values.len(), d.variants.len(), "{values:?}");
}

#[test]
fn unknown_heads_offer_nothing() {
    assert!(ask(&["noSuchOperation"], "").is_empty());
}

#[test]
fn every_operation_completes_its_required_items() {
    for op in zone().operations() {
        let got = ask(&[op.name], "");
        for p in op.params.iter().filter(|p| p.required) {
            assert!(
                got.contains(&format!("{}=", p.name)),
                "{}: {got:?}",
                op.name
            );
        }
        if let Some(o) = zone().body_object(op) {
            for f in o.fields.iter().filter(|f| f.required && !f.read_only) {
                assert!(
                    got.iter()
                        .any(|w| w.starts_with(&items::escape_key(f.name))),
                    "{}: {} in {got:?}",
                    op.name,
                    f.name
                );
            }
        }
    }
}

#[test]
fn an_integer_or_infinity_offers_its_text_value() {
    let op = "createNamedTokenForCurrentUser";
    assert!(ask(&[op], "usa").contains(&"usageLimit:=".to_owned()));
    assert_eq!(ask(&[op], "usageLimit=="), ["usageLimit==infinity"]);
    assert!(ask(&[op], "usageLimit:=").is_empty());
}

#[test]
fn keys_are_read_as_items_read_them() {
    // An escaped bracket is part of the name, as `items::parse` reads it:
    // no field of createGroup is named `type[0]`, so nothing is offered.
    assert!(ask(&["createGroup"], r"type\[0\]==").is_empty());
    assert!(ask(&["createGroup"], "type==").contains(&"type==team".to_owned()));
    // An escaped letter is the letter: `na\me` is the field `name`, given.
    let offered = ask(&["createGroup", r"na\me==x"], "");
    assert!(!offered.contains(&"name==".to_owned()), "{offered:?}");
}

#[test]
fn operations_follow_the_release_on_the_line() {
    assert!(ask(&["--api-version", "20.02"], "inferAccess").is_empty());
    assert!(ask(&["--api-version=20.02"], "inferAccess").is_empty());
    assert_eq!(
        ask(&["--api-version", "21.02.4"], "inferAccess"),
        ["inferAccessTokenScope"]
    );
    // A shape of an older release: 19.02.5's createSpaceSupportToken is
    // found, and its items offered.
    assert!(!ask(&["--api-version", "19.02", "createSpaceSupportToken"], "").is_empty());
}

#[test]
fn later_operations_say_since_when_in_their_description() {
    let words: Vec<String> = Vec::new();
    let Reply::Words { candidates, .. } = complete(&words, "inferAccess", &env()) else {
        panic!("words expected");
    };
    let c = candidates
        .iter()
        .find(|c| c.word == "inferAccessTokenScope")
        .expect("offered");
    assert!(c.help.contains("(since 21.02.4)"), "{c:?}");
}

#[test]
fn api_version_offers_the_releases_and_their_lines() {
    let got = ask(&["--api-version"], "");
    assert_eq!(got.first().map(String::as_str), Some("21.02.7"));
    for want in ["20.02.20", "19.02.5", "21.02", "20.02", "19.02"] {
        assert!(got.iter().any(|w| w == want), "{want} in {got:?}");
    }
    assert_eq!(ask(&["--api-version"], "20"), ["20.02.20", "20.02"]);
}

#[test]
fn lists_and_objects_are_offered_item_by_item() {
    let op = "updateGroupAdminPrivileges";
    let top = ask(&[op, "id=g"], "");
    assert!(top.contains(&"grant[]==".to_owned()), "{top:?}");
    assert!(top.contains(&"grant:=".to_owned()), "{top:?}");
    let values = ask(&[op, "id=g"], "grant[]==oz_groups_v");
    assert!(
        values.contains(&"grant[]==oz_groups_view".to_owned()),
        "{values:?}"
    );
    let objects: Vec<String> = zone()
        .operations()
        .flat_map(|o| ask(&[o.name], ""))
        .filter(|w| w.ends_with('['))
        .collect();
    assert!(!objects.is_empty());
    let c = Candidate::new(Kind::Field, "a[", "");
    assert!(c.no_space());
}
