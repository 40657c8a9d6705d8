//! One checked request as the operations with state see it, who sends it,
//! and what they answer.

use crate::checks::ApiError;
use crate::http::{Head, Response};
use crate::router::Route;
use crate::store::Staged;
use serde_json::Value;

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Who {
    Anonymous,
    /// A Onezone user (a token, or Onezone's basic credentials).
    User(String),
    /// A provider registered with Onezone (its token).
    Provider(String),
    /// Onepanel's own `onepanel` user (basic auth with the passphrase).
    PanelRoot,
}

/// What a stateful operation answers.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    Json(u16, Value),
    Empty(u16),
    /// A status with a `Location` (a path below the API base) and maybe a body.
    Located(u16, String, Option<Value>),
    /// An answer made whole by the operation (file content).
    Raw(Response),
}

/// One request as the state sees it.
pub(crate) struct Call<'a> {
    pub route: &'a Route,
    pub head: &'a Head,
    /// The JSON (or YAML) body, parsed.
    pub body: Option<&'a Value>,
    /// An `application/octet-stream` body, received into a file.
    pub upload: Option<&'a Staged>,
    /// The query parameters, decoded (already checked against the catalogue).
    pub query: &'a [(String, String)],
    pub who: &'a Who,
    /// The host name the request came to (for `domain` fields).
    pub domain: &'a str,
    /// The release the fake reports.
    pub release: &'a str,
}

impl Call<'_> {
    pub(crate) fn p(&self, name: &str) -> String {
        self.route.param(name).to_owned()
    }

    pub(crate) fn str_field(&self, name: &str) -> Option<String> {
        self.body
            .and_then(|b| b.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// The value of a query parameter (the last one given).
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn user(&self) -> Result<String, ApiError> {
        match self.who {
            Who::User(id) => Ok(id.clone()),
            Who::Provider(_) | Who::PanelRoot => Err(ApiError::forbidden(
                "this operation needs a user, not a provider",
            )),
            Who::Anonymous => Err(ApiError::unauthorized("no credentials")),
        }
    }

    pub(crate) fn provider(&self) -> Result<String, ApiError> {
        match self.who {
            Who::Provider(id) => Ok(id.clone()),
            _ => Err(ApiError::forbidden(
                "this operation needs a provider's token",
            )),
        }
    }
}
