//! Every Oneprovider and Onepanel operation of the newest release, built
//! from the catalogue (its required query parameters, its sample body),
//! reaches its operation and gets its catalogue success status, with a body
//! that matches the response schema.

use fake_onezone::probe::{encode, req, Req};
use fake_onezone::{
    sample_body, FakeZone, ProviderSpace, ONEPANEL_PASSPHRASE, ONEPANEL_USER, STORAGE_ID,
};
use onedata_catalogue::validate::validate;
use onedata_catalogue::{Catalogue, Operation, Param, ParamIn, Schema};
use serde_json::{json, Value};

/// What the operations act on: a supported space, its root, a file in it,
/// a running task, and a support token for another space.
struct Setup {
    zone: FakeZone,
    space: ProviderSpace,
    file: String,
    task: String,
    other_support_token: String,
}

fn setup() -> Setup {
    let zone = FakeZone::start().unwrap();
    let space = ProviderSpace::new(&zone, "s", 1 << 30).unwrap_or_else(|e| panic!("{e}"));
    let r = req(
        "POST",
        &format!("/api/v3/oneprovider/data/{}/children?name=f", space.root),
    )
    .admin()
    .octets(b"content")
    .send(&zone);
    let file = r.json()["fileId"].as_str().unwrap().to_owned();
    let r = req("POST", "/api/v3/onepanel/zone/databases")
        .basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)
        .json(&json!({"hosts": ["h"]}))
        .send(&zone);
    let task = r.json()["taskId"].as_str().unwrap().to_owned();
    let r = req("POST", "/spaces")
        .admin()
        .json(&json!({"name": "t"}))
        .send(&zone);
    let other = r.location_id();
    let r = req("POST", &format!("/spaces/{other}/providers/token"))
        .admin()
        .send(&zone);
    let other_support_token = r.json()["token"].as_str().unwrap().to_owned();
    Setup {
        zone,
        space,
        file,
        task,
        other_support_token,
    }
}

/// A value that fits a parameter's schema.
fn value(cat: Catalogue, p: &'static Param) -> String {
    match cat.resolve(&p.schema) {
        Schema::Integer | Schema::Number => "1".into(),
        Schema::Boolean => "true".into(),
        _ => cat
            .string_values(&p.schema)
            .first()
            .map_or("x1", |v| v)
            .to_owned(),
    }
}

impl Setup {
    /// The value of path parameter `p` of `op`: something real where the
    /// fake keeps state.
    fn path_value(&self, cat: Catalogue, op: &Operation, p: &'static Param) -> String {
        let t = op.path;
        match p.name {
            "sid" => self.space.space.clone(),
            "id" if t.starts_with("/data/{id}/children") => self.space.root.clone(),
            "id" if t.starts_with("/data/{id}") => self.file.clone(),
            "id" if t.starts_with("/provider/spaces/{id}") => self.space.space.clone(),
            "id" if t.starts_with("/provider/storages/{id}") => STORAGE_ID.into(),
            "id" if t.starts_with("/tasks/") => self.task.clone(),
            _ => value(cat, p),
        }
    }

    fn request(&self, service: &str, op: &'static Operation) -> Req {
        let cat = self.zone.catalogue_of(service).unwrap();
        let mut path = op.path.to_owned();
        let mut query = Vec::new();
        for p in op.params {
            match p.location {
                ParamIn::Path => {
                    let v = encode(&self.path_value(cat, op, p));
                    path = path.replace(&format!("{{{}}}", p.name), &v);
                }
                ParamIn::Query if p.required => {
                    query.push(format!("{}={}", encode(p.name), encode(&value(cat, p))));
                }
                ParamIn::Query => {}
            }
        }
        if op.name == "createFile" {
            // A name not taken yet.
            query.retain(|q| !q.starts_with("name="));
            query.push("name=new".into());
        }
        let mut target = format!("/api/v3/{service}{path}");
        if !query.is_empty() {
            target = format!("{target}?{}", query.join("&"));
        }
        let r = req(op.method, &target);
        let r = if service == "onepanel" {
            r.basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)
        } else {
            r.admin()
        };
        let Some(body) = &op.body else {
            return r;
        };
        match op.consumes.first().copied().unwrap_or("application/json") {
            "application/json" | "application/x-yaml" => {
                let mut v = sample_body(cat, &body.schema);
                if op.name == "supportSpace" {
                    v["token"] = json!(self.other_support_token);
                    v["storageId"] = json!(STORAGE_ID);
                }
                if op.name == "listChildren" {
                    // A listing token must be one the fake gave.
                    v.as_object_mut().map(|m| m.remove("token"));
                }
                r.json(&v)
            }
            ct => r.header("Content-Type", ct).raw_body(b"sample"),
        }
    }
}

fn check(service: &str, op: &'static Operation) -> Result<(), String> {
    let s = setup();
    let cat = s.zone.catalogue_of(service).unwrap();
    s.zone.clear_requests();
    let r = s.request(service, op);
    let resp = r.send(&s.zone);
    let success = op.success_responses().next();
    let expected = success.map_or(200, |r| r.code);
    let what = format!("{service} {} {}", op.name, r.target);
    if resp.status != expected {
        return Err(format!("{what}: {} {}", resp.status, resp.text()));
    }
    let recs = s.zone.requests();
    if recs.len() != 1 || recs[0].operation != Some(op.name) || !recs[0].problems.is_empty() {
        return Err(format!("{what}: recorded {recs:?}"));
    }
    let json = resp.header("content-type") == Some("application/json");
    if let (Some(schema), true) = (success.and_then(|s| s.schema.as_ref()), json) {
        let v: Value = serde_json::from_slice(&resp.body).map_err(|e| format!("{what}: {e}"))?;
        let problems = validate(cat, &v, schema);
        if !problems.is_empty() {
            return Err(format!("{what}: {v} {problems:?}"));
        }
    }
    if success.is_some_and(|s| s.location) && resp.header("location").is_none() {
        return Err(format!("{what}: no Location"));
    }
    Ok(())
}

fn check_all(service: &str) {
    let cat = FakeZone::start().unwrap().catalogue_of(service).unwrap();
    let failures: Vec<String> = cat
        .operations()
        .filter_map(|op| check(service, op).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_oneprovider_operation_is_routed_and_answered() {
    check_all("oneprovider");
}

#[test]
fn every_onepanel_operation_is_routed_and_answered() {
    check_all("onepanel");
}
