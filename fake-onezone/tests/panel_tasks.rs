//! Onepanel's long-running tasks: deployment operations answer 202 with the
//! task to poll; the task runs for the configured time, step by step, then
//! ends as configured. And Onepanel's YAML bodies.

use fake_onezone::probe::{req, Conn, Req, Resp};
use fake_onezone::{
    sample_body, Config, FakeZone, TaskOutcome, ONEPANEL_PASSPHRASE, ONEPANEL_USER,
};
use onedata_catalogue::validate::validate;
use serde_json::Value;
use std::time::{Duration, Instant};

const PANEL: &str = "/api/v3/onepanel";

fn panel(method: &str, path: &str) -> Req {
    req(method, &format!("{PANEL}{path}")).basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)
}

/// Starts configureProvider (with its sample body): the task's id.
fn start(zone: &FakeZone, c: &mut Conn) -> String {
    let cat = zone.catalogue_of("onepanel").unwrap();
    let op = cat.find("configureProvider").unwrap();
    let body = sample_body(cat, &op.body.as_ref().unwrap().schema);
    let r = c.send(&panel("POST", "/provider/configuration").json(&body));
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["taskId"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("location"),
        Some(format!("http://127.0.0.1{PANEL}/tasks/{id}").as_str())
    );
    id
}

/// getTaskStatus, checked against the TaskStatus schema.
fn status(zone: &FakeZone, c: &mut Conn, id: &str) -> Value {
    let r: Resp = c.send(&panel("GET", &format!("/tasks/{id}")));
    assert_eq!(r.status, 200, "{}", r.text());
    let cat = zone.catalogue_of("onepanel").unwrap();
    let schema = cat
        .find("getTaskStatus")
        .unwrap()
        .success_responses()
        .next();
    let schema = schema.unwrap().schema.as_ref().unwrap();
    let v = r.json();
    assert!(validate(cat, &v, schema).is_empty(), "{v}");
    v
}

/// Polls until the task is no longer running (at most 10 s): the last
/// status, and every count of steps seen while running.
fn wait(zone: &FakeZone, c: &mut Conn, id: &str) -> (Value, Vec<usize>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    loop {
        let v = status(zone, c, id);
        if v["status"] != "running" {
            return (v, seen);
        }
        seen.push(v["steps"].as_array().unwrap().len());
        assert!(Instant::now() < deadline, "still running: {v}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn tasks_run_then_end_as_configured() {
    let zone = FakeZone::start_with(Config {
        task_duration: Duration::from_millis(400),
        ..Config::default()
    })
    .unwrap();
    let mut c = Conn::open(zone.port());
    let id = start(&zone, &mut c);
    let first = status(&zone, &mut c, &id);
    assert_eq!(first["status"], "running");
    let total = first["totalSteps"].as_u64().unwrap() as usize;
    assert!(total > 1);
    let (end, seen) = wait(&zone, &mut c, &id);
    assert_eq!(end["status"], "ok", "{end}");
    assert_eq!(end["steps"].as_array().unwrap().len(), total);
    assert!(end.get("error").is_none());
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(seen.iter().all(|n| *n < total));

    // A failing one.
    zone.set_task_outcome(TaskOutcome::Error);
    let id = start(&zone, &mut c);
    let (end, _) = wait(&zone, &mut c, &id);
    assert_eq!(end["status"], "error", "{end}");
    assert!(end["steps"].as_array().unwrap().len() < total);
    assert_eq!(end["error"]["error"]["id"], "errorOnNodes");
    assert!(end["error"]["error"]["description"].is_string());

    // One that never ends; other operations start tasks too.
    zone.set_task_duration(Duration::from_secs(1_000_000_000));
    zone.set_task_outcome(TaskOutcome::Ok);
    let cat = zone.catalogue_of("onepanel").unwrap();
    let op = cat.find("addProviderWorkers").unwrap();
    let body = sample_body(cat, &op.body.as_ref().unwrap().schema);
    let r = c.send(&panel("POST", "/provider/workers").json(&body));
    assert_eq!(r.status, 202, "{}", r.text());
    let id = r.json()["taskId"].as_str().unwrap().to_owned();
    std::thread::sleep(Duration::from_millis(50));
    let v = status(&zone, &mut c, &id);
    assert_eq!(
        (v["status"].as_str(), v["steps"].as_array().map(Vec::len)),
        (Some("running"), Some(0))
    );

    // Unknown tasks; tasks need credentials.
    let r = c.send(&panel("GET", "/tasks/nope"));
    assert_eq!((r.status, r.error_id().as_str()), (404, "notFound"));
    let r = c.send(&req("GET", &format!("{PANEL}/tasks/{id}")));
    assert_eq!((r.status, r.error_id().as_str()), (401, "unauthorized"));
}

#[test]
fn the_binary_takes_the_task_flags() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-onezone"))
        .args([
            "--task-duration",
            "100",
            "--task-outcome=error",
            "--exit-on-stdin-eof",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let mut c = Conn::open(port);
    let cat = onedata_catalogue::Catalogue::newest(&onedata_catalogue::builtin::ONEPANEL);
    let op = cat.find("configureProvider").unwrap();
    let body = sample_body(cat, &op.body.as_ref().unwrap().schema);
    let r = c.send(&panel("POST", "/provider/configuration").json(&body));
    let id = r.json()["taskId"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    let end = loop {
        let v = c.send(&panel("GET", &format!("/tasks/{id}"))).json();
        if v["status"] != "running" || Instant::now() > deadline {
            break v;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(end["status"], "error", "{end}");
    drop(c);
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the fake did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn yaml_bodies_are_taken_where_the_operation_consumes_them() {
    let zone = FakeZone::start().unwrap();
    let mut c = Conn::open(zone.port());
    let yaml = |text: &str| {
        panel("PATCH", "/provider/cluster_ips")
            .header("Content-Type", "application/x-yaml")
            .raw_body(text.as_bytes())
    };
    let r = c.send(&yaml("hosts:\n  node1: 10.0.0.1\n"));
    assert_eq!(r.status, 204, "{}", r.text());
    zone.clear_requests();
    let r = c.send(&yaml("hosts: [1, 2"));
    assert_eq!((r.status, r.error_id().as_str()), (400, "badValueYAML"));
    let r = c.send(&yaml("hosts: 7\n"));
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error"]["details"]["key"], "hosts");
    // Only where the operation says so.
    let r = c.send(
        &panel("POST", "/provider/spaces")
            .header("Content-Type", "application/x-yaml")
            .raw_body(b"token: x\nsize: 1\nstorageId: y\n"),
    );
    assert_eq!(
        (r.status, r.error_id().as_str()),
        (400, "badValueContentType")
    );
    // A deployment in YAML starts a task as one in JSON does.
    let cat = zone.catalogue_of("onepanel").unwrap();
    let op = cat.find("configureZone").unwrap();
    let body = sample_body(cat, &op.body.as_ref().unwrap().schema);
    let r = c.send(
        &panel("POST", "/zone/configuration")
            .header("Content-Type", "application/x-yaml")
            .raw_body(serde_norway::to_string(&body).unwrap().as_bytes()),
    );
    assert_eq!(r.status, 202, "{}", r.text());
    assert!(r.json()["taskId"].is_string());
}
