//! Every catalogue operation, built from the catalogue and `sample_body()`,
//! reaches its operation and gets its catalogue success status, with a body
//! that matches the response schema.

mod common;

use common::{location_id, req, Conn, Req};
use fake_onezone::{sample_body, FakeZone, ADMIN_ID};
use onezone_rest_cli::catalogue::{Operation, BASE_PATH, OPERATIONS};
use onezone_rest_cli::validate::validate;
use serde_json::{json, Value};

/// Resources created on a fresh fake so that every path parameter names
/// something real.
struct World {
    space: String,
    group: String,
    child: String,
    parent: String,
    provider: String,
    provider_token: String,
    named: String,
    client: String,
    user_group_invite: String,
    group_group_invite: String,
    user_space_invite: String,
    group_space_invite: String,
    registration: String,
}

fn created(conn: &mut Conn, r: Req) -> String {
    let r = r.admin();
    let resp = conn.send(&r);
    assert!(matches!(resp.status, 201 | 204), "{r:?} -> {resp:?}");
    location_id(&resp)
}

fn token(conn: &mut Conn, path: &str) -> String {
    let resp = conn.send(&req("POST", path).admin());
    assert_eq!(resp.status, 200, "{path}: {}", resp.text());
    resp.json()["token"].as_str().unwrap().to_owned()
}

fn world(conn: &mut Conn) -> World {
    let space = created(conn, req("POST", "/spaces").json(&json!({"name": "s"})));
    let group = created(conn, req("POST", "/groups").json(&json!({"name": "g"})));
    let child = created(
        conn,
        req("POST", &format!("/groups/{group}/children")).json(&json!({"name": "c"})),
    );
    let parent = created(conn, req("POST", "/groups").json(&json!({"name": "pg"})));
    created(
        conn,
        req("PUT", &format!("/groups/{parent}/children/{group}")),
    );
    assert_eq!(
        conn.send(&req("PUT", &format!("/spaces/{space}/groups/{group}")).admin())
            .status,
        204
    );
    let reg = token(conn, "/user/clusters/provider_registration_token");
    let r = conn.send(&req("POST", "/providers").json(
        &json!({"token": reg, "name": "p", "adminEmail": "a@example.com", "subdomainDelegation": false}),
    ));
    assert_eq!(r.status, 200, "{}", r.text());
    let provider = r.json()["providerId"].as_str().unwrap().to_owned();
    let provider_token = r.json()["providerRootToken"].as_str().unwrap().to_owned();
    let named = created(
        conn,
        req("POST", "/user/tokens/named").json(&json!({"name": "nt"})),
    );
    let r = conn.send(
        &req("POST", "/provider/tokens/named")
            .token(&provider_token)
            .json(&json!({"name": "nt"})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    World {
        client: token(conn, "/user/client_tokens"),
        user_group_invite: token(conn, &format!("/groups/{group}/users/token")),
        group_group_invite: token(conn, &format!("/groups/{parent}/children/token")),
        user_space_invite: token(conn, &format!("/spaces/{space}/users/token")),
        group_space_invite: token(conn, &format!("/spaces/{space}/groups/token")),
        registration: token(conn, "/user/clusters/provider_registration_token"),
        space,
        group,
        child,
        parent,
        provider,
        provider_token,
        named,
    }
}

/// The value for a path parameter, from the literal segment before it.
fn param_value(w: &World, template: &str, index: usize) -> String {
    let segs: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let prev = if index == 0 { "" } else { segs[index - 1] };
    let name = &segs[index][1..segs[index].len() - 1];
    if name == "subpath" {
        return "dir/file name.txt".into();
    }
    match prev {
        "spaces" | "effective_spaces"
            if segs[0] != "spaces" || index != 2 || segs[1] != "marketplace" =>
        {
            w.space.clone()
        }
        "groups" | "effective_groups" => w.group.clone(),
        "children" | "effective_children" => w.child.clone(),
        "parents" | "effective_parents" => w.parent.clone(),
        "users" | "effective_users" | "owners" => ADMIN_ID.into(),
        "providers" | "effective_providers" => w.provider.clone(),
        "named" => w.named.clone(),
        "name" => "nt".into(),
        "client_tokens" => w.client.clone(),
        _ => "x1".into(),
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn build(w: &World, op: &'static Operation, template: &'static str) -> Req {
    let segs: Vec<String> = template
        .trim_start_matches('/')
        .split('/')
        .enumerate()
        .map(|(i, s)| {
            if s.starts_with('{') {
                let v = param_value(w, template, i);
                v.split('/').map(encode).collect::<Vec<_>>().join("/")
            } else {
                s.to_owned()
            }
        })
        .collect();
    let mut r = req(op.method, &format!("/{}", segs.join("/")));
    r = if template == "/provider" || template.starts_with("/provider/") {
        r.token(&w.provider_token)
    } else {
        r.admin()
    };
    if let Some(b) = &op.body {
        let mut body = sample_body(&b.schema);
        let tok = match op.name {
            "joinGroup" | "verifyInviteToken" => Some(&w.user_group_invite),
            "joinParentGroup" => Some(&w.group_group_invite),
            "joinSpace" => Some(&w.user_space_invite),
            "groupJoinSpace" => Some(&w.group_space_invite),
            "registerProvider" => Some(&w.registration),
            _ => None,
        };
        if let Some(t) = tok {
            body["token"] = json!(t);
        } else if body.get("token").is_some_and(Value::is_string) && op.path.starts_with("/tokens/")
        {
            body["token"] = json!(fake_onezone::ADMIN_TOKEN);
        }
        r = r.json(&body);
    }
    r
}

fn check(op: &'static Operation, template: &'static str) {
    let zone = FakeZone::start().unwrap();
    let mut conn = Conn::open(zone.port());
    let w = world(&mut conn);
    zone.clear_requests();
    let r = build(&w, op, template);
    let resp = conn.send(&r);
    let expected = op.success_responses().next().map_or(200, |r| r.code);
    assert_eq!(
        resp.status,
        expected,
        "{} {}: {}",
        op.name,
        r.target,
        resp.text()
    );
    let recs = zone.requests();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].operation, Some(op.name), "{}", r.target);
    assert!(
        recs[0].problems.is_empty(),
        "{}: {:?}",
        op.name,
        recs[0].problems
    );
    assert_eq!(recs[0].status, expected);
    assert_eq!(recs[0].path, r.target);
    let success = op.success_responses().next();
    if success.is_some_and(|s| s.location) {
        let loc = resp
            .header("location")
            .unwrap_or_else(|| panic!("{}: no Location", op.name));
        assert!(loc.starts_with("http://127.0.0.1"), "{}: {loc}", op.name);
        if expected != 307 {
            assert!(loc.contains(BASE_PATH), "{}: {loc}", op.name);
        }
    }
    if let Some(schema) = success.and_then(|s| s.schema.as_ref()) {
        if expected != 204 {
            assert_eq!(
                resp.header("content-type"),
                Some("application/json"),
                "{}",
                op.name
            );
            let problems = validate(&resp.json(), schema);
            assert!(
                problems.is_empty(),
                "{}: {} {problems:?}",
                op.name,
                resp.text()
            );
        }
    }
}

fn check_variants(op: &'static Operation) {
    for v in op.path_variants {
        // A variant's path may belong to another operation first; it must
        // still be answered.
        let zone = FakeZone::start().unwrap();
        let mut conn = Conn::open(zone.port());
        let w = world(&mut conn);
        let resp = conn.send(&build(&w, op, v.path));
        assert!(
            resp.status < 300,
            "{} via {}: {}",
            op.name,
            v.path,
            resp.text()
        );
    }
}

#[test]
fn every_operation_is_routed_and_answered() {
    assert_eq!(OPERATIONS.len(), 392);
    // One fresh fake per operation (deletes must not disturb the others),
    // spread over a few threads.
    let threads = 4;
    let checked = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..threads {
            let checked = &checked;
            s.spawn(move || {
                for op in OPERATIONS.iter().skip(t).step_by(threads) {
                    check(op, op.path);
                    check_variants(op);
                    checked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(checked.into_inner(), 392);
}
