//! Onepanel, as the panel of the fake's provider: space support (checked
//! against Onezone's state), its one storage ([`crate::STORAGE_ID`]), and
//! long-running tasks. Every operation whose catalogue success answer is a
//! 202 without a schema (configureProvider, add*Databases, configureCeph,
//! …) starts a task and answers 202 with `Location: …/tasks/{taskId}` and
//! `{"taskId": …}`; getTaskStatus then shows it running, step by step, for
//! the task duration, then ending as the task outcome says. Every other
//! operation answers its catalogue sample.

use crate::call::{Call, Reply};
use crate::checks::ApiError;
use crate::server::{lock, Shared};
use crate::shape::{answer, fit};
use crate::util::{percent_encode as enc, Ids};
use crate::{sample, PROVIDER_ID, PROVIDER_NAME, STORAGE_ID};
use onedata_catalogue::Operation;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// How the tasks of Onepanel's deployment operations end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskOutcome {
    /// `"status": "ok"`, every step done.
    #[default]
    Ok,
    /// `"status": "error"`, half the steps done, and an `error` in
    /// Onedata's error shape.
    Error,
}

impl FromStr for TaskOutcome {
    type Err = String;

    /// `ok` or `error`.
    fn from_str(s: &str) -> Result<TaskOutcome, String> {
        match s {
            "ok" => Ok(TaskOutcome::Ok),
            "error" => Ok(TaskOutcome::Error),
            _ => Err(format!("task outcome {s:?} is not ok or error")),
        }
    }
}

impl fmt::Display for TaskOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskOutcome::Ok => "ok",
            TaskOutcome::Error => "error",
        })
    }
}

/// The steps of every task, after the operation's name.
const STEPS: &[&str] = &["check", "configure", "start", "wait"];

#[derive(Debug)]
struct Task {
    started: Instant,
    duration: Duration,
    outcome: TaskOutcome,
    steps: Vec<String>,
}

impl Task {
    /// Its TaskStatus now.
    fn status(&self) -> Value {
        let total = self.steps.len();
        let elapsed = self.started.elapsed();
        let (status, done) = if elapsed >= self.duration {
            match self.outcome {
                TaskOutcome::Ok => ("ok", total),
                TaskOutcome::Error => ("error", total / 2),
            }
        } else {
            let part = elapsed.as_nanos() * total as u128 / self.duration.as_nanos().max(1);
            (
                "running",
                usize::try_from(part).unwrap_or(total).min(total - 1),
            )
        };
        let mut v = json!({
            "status": status,
            "steps": &self.steps[..done],
            "totalSteps": total,
        });
        if status == "error" {
            let failed = self.steps.get(done).map_or("", String::as_str);
            v["error"] = ApiError::new(
                500,
                "errorOnNodes",
                format!("The task failed at step {failed} (the fake was told to fail it)."),
            )
            .details(json!({"step": failed}))
            .body();
        }
        v
    }
}

/// Onepanel's memory: its tasks, and how new ones go.
#[derive(Debug)]
pub(crate) struct Panel {
    ids: Ids,
    tasks: BTreeMap<String, Task>,
    pub duration: Duration,
    pub outcome: TaskOutcome,
}

impl Panel {
    pub(crate) fn new(salt: u64, duration: Duration, outcome: TaskOutcome) -> Panel {
        Panel {
            ids: Ids::new(salt ^ 0x9a2e1),
            tasks: BTreeMap::new(),
            duration,
            outcome,
        }
    }

    /// Starts a task for operation `op`: its id.
    fn start(&mut self, op: &str) -> String {
        let id = self.ids.id();
        let task = Task {
            started: Instant::now(),
            duration: self.duration,
            outcome: self.outcome,
            steps: STEPS.iter().map(|s| format!("{op}:{s}")).collect(),
        };
        self.tasks.insert(id.clone(), task);
        id
    }
}

/// Operations that start a task: their first success answer is a 202
/// without a schema.
fn starts_task(op: &'static Operation) -> bool {
    op.success_responses()
        .next()
        .is_some_and(|r| r.code == 202 && r.schema.is_none())
}

type Handled = Result<Option<Reply>, ApiError>;

fn json200(v: Value) -> Handled {
    Ok(Some(Reply::Json(200, v)))
}

/// Acts on the operations with state; `Ok(None)` leaves the answer to the
/// catalogue.
pub(crate) fn handle(shared: &Shared, call: &Call) -> Handled {
    let op = call.route.op;
    if starts_task(op) {
        let id = lock(&shared.panel).start(op.name);
        return Ok(Some(Reply::Located(
            202,
            format!("/tasks/{}", enc(&id)),
            Some(json!({ "taskId": id })),
        )));
    }
    let cat = call.route.cat;
    match op.name {
        "getConfiguration" => json200(json!({
            "clusterId": PROVIDER_ID,
            "version": call.release,
            "build": "fake",
            "deployed": true,
            "serviceType": "oneprovider",
            "providerId": PROVIDER_ID,
            "providerName": PROVIDER_NAME,
            "providerDomain": call.domain,
            "zoneDomain": call.domain,
            "isRegistered": true,
        })),
        "getTaskStatus" => {
            let id = call.p("id");
            let panel = lock(&shared.panel);
            let task = panel
                .tasks
                .get(&id)
                .ok_or_else(|| ApiError::not_found(&format!("task {id}")))?;
            json200(task.status())
        }
        "getProvider" => json200(answer(op).map_or(Value::Null, |s| {
            fit(
                cat,
                s,
                &[
                    ("id", json!(PROVIDER_ID)),
                    ("name", json!(PROVIDER_NAME)),
                    ("subdomainDelegation", json!(false)),
                    ("domain", json!(call.domain)),
                    ("geoLongitude", json!(0.0)),
                    ("geoLatitude", json!(0.0)),
                    ("onezoneDomainName", json!(call.domain)),
                ],
            )
        })),
        "supportSpace" => support(shared, call),
        // Whose the credential is: Onepanel's own user, or a Onezone user
        // (by token), with every cluster privilege.
        "getCurrentUser" => {
            let (id, name) = match call.who {
                crate::call::Who::PanelRoot => (
                    crate::ONEPANEL_USER.to_owned(),
                    crate::ONEPANEL_USER.to_owned(),
                ),
                crate::call::Who::User(id) => {
                    let name = lock(&shared.state).username(id).unwrap_or_default();
                    (id.clone(), name)
                }
                _ => return Ok(None),
            };
            let privileges = answer(op)
                .map(|s| sample::sample(cat, s))
                .and_then(|v| v.get("clusterPrivileges").cloned())
                .unwrap_or_else(|| json!([]));
            json200(json!({
                "userId": id,
                "username": name,
                "clusterPrivileges": privileges,
            }))
        }
        "getProviderSpaces" => {
            let ids: Vec<String> = lock(&shared.state)
                .supported_spaces(PROVIDER_ID)
                .into_iter()
                .map(|s| s.id)
                .collect();
            json200(json!({ "ids": ids }))
        }
        "getSpaceDetails" => space_details(shared, call),
        "revokeSpaceSupport" => {
            let sid = call.p("id");
            if !lock(&shared.state).revoke_support(&sid, PROVIDER_ID) {
                return Err(ApiError::not_found(&format!("supported space {sid}")));
            }
            Ok(Some(Reply::Empty(204)))
        }
        "getStorages" => json200(json!({ "ids": [STORAGE_ID] })),
        "getStorageDetails" => {
            let id = call.p("id");
            if id != STORAGE_ID {
                return Err(ApiError::not_found(&format!("storage {id}")));
            }
            let Some(schema) = answer(op) else {
                return Ok(None);
            };
            // The schema's first variant (POSIX), named.
            let mut v = sample(cat, schema);
            v["id"] = json!(STORAGE_ID);
            v["name"] = json!("fake-storage");
            json200(v)
        }
        _ => Ok(None),
    }
}

/// supportSpace: the token must be a space support token of Onezone's, the
/// storage this provider's one.
fn support(shared: &Shared, call: &Call) -> Handled {
    let body = call.body.cloned().unwrap_or(Value::Null);
    let storage = body.get("storageId").and_then(Value::as_str).unwrap_or("");
    if storage != STORAGE_ID {
        return Err(ApiError::new(
            400,
            "badValueIdNotFound",
            format!("Bad value: storageId: there is no storage {storage:?} (the fake has {STORAGE_ID})."),
        )
        .details(json!({"key": "storageId"})));
    }
    let size = body.get("size").and_then(Value::as_u64).unwrap_or(0);
    if size == 0 {
        return Err(
            ApiError::new(400, "badValueTooLow", "Bad value: size must be at least 1.")
                .details(json!({"key": "size", "limit": 1})),
        );
    }
    let sid = lock(&shared.state).support_space(call, PROVIDER_ID, PROVIDER_NAME, size)?;
    Ok(Some(Reply::Located(
        201,
        format!("/provider/spaces/{}", enc(&sid)),
        Some(json!({ "id": sid })),
    )))
}

fn space_details(shared: &Shared, call: &Call) -> Handled {
    let sid = call.p("id");
    let Some(space) = lock(&shared.state).supported_space(PROVIDER_ID, &sid) else {
        return Err(ApiError::not_found(&format!("supported space {sid}")));
    };
    let Some(schema) = answer(call.route.op) else {
        return Ok(None);
    };
    json200(fit(
        call.route.cat,
        schema,
        &[
            ("id", json!(space.id)),
            ("name", json!(space.name)),
            ("storageId", json!(STORAGE_ID)),
            ("localStorages", json!([STORAGE_ID])),
            ("supportingProviders", json!(space.support)),
            ("spaceOccupancy", json!(0)),
            ("accountingEnabled", json!(false)),
            ("dirStatsServiceEnabled", json!(false)),
            ("dirStatsServiceStatus", json!("disabled")),
        ],
    ))
}
