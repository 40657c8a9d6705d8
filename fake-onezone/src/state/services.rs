//! What Oneprovider and Onepanel ask of Onezone's state: whether a user is
//! an admin, whether they may use a space, and the support of spaces by the
//! fake's provider (redeeming a space support token, as Onepanel's
//! supportSpace does, registers the provider with Onezone if needed).

use super::{Provider, State, Subject};
use crate::call::Call;
use crate::checks::ApiError;
use crate::util::now;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A space supported by a provider, as the provider shows it.
#[derive(Debug, Clone)]
pub(crate) struct SupportedSpace {
    pub id: String,
    pub name: String,
    /// Every supporting provider, with the size it gives.
    pub support: BTreeMap<String, u64>,
}

impl State {
    pub(crate) fn is_admin(&self, uid: &str) -> bool {
        self.users.get(uid).is_some_and(|u| u.admin)
    }

    /// Whether user `uid` may use space `sid`: 404 for a space Onezone does
    /// not know, 403 for one they are not an effective member of.
    pub(crate) fn space_access(&self, sid: &str, uid: &str) -> Result<(), ApiError> {
        if !self.spaces.contains_key(sid) {
            return Err(ApiError::not_found(&format!("space {sid}")));
        }
        if self.space_effective_users(sid).contains(uid) {
            Ok(())
        } else {
            Err(ApiError::forbidden("you are not a member of this space"))
        }
    }

    /// The spaces provider `pid` supports.
    pub(crate) fn supported_spaces(&self, pid: &str) -> Vec<SupportedSpace> {
        self.spaces
            .values()
            .filter(|s| s.support.contains_key(pid))
            .map(|s| SupportedSpace {
                id: s.id.clone(),
                name: s
                    .fields
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                support: s.support.clone(),
            })
            .collect()
    }

    /// Space `sid`, if provider `pid` supports it.
    pub(crate) fn supported_space(&self, pid: &str, sid: &str) -> Option<SupportedSpace> {
        self.supported_spaces(pid).into_iter().find(|s| s.id == sid)
    }

    /// Redeems the space support token in `call`'s body (`token`) for
    /// provider `pid`, giving `size` bytes; returns the space's id. The
    /// provider is registered with Onezone first if it is not (named `name`,
    /// at the request's host, administered by the token's creator). A space
    /// it already supports: 409.
    pub(crate) fn support_space(
        &mut self,
        call: &Call,
        pid: &str,
        name: &str,
        size: u64,
    ) -> Result<String, ApiError> {
        let sid = self.redeem(call, &["supportSpace"])?;
        let text = call.str_field("token").unwrap_or_default();
        let creator = self
            .tokens
            .iter()
            .find(|t| t.serialized == text)
            .and_then(|t| match &t.subject {
                Subject::User(u) => Some(u.clone()),
                Subject::Provider(_) => None,
            })
            .unwrap_or_default();
        let space = self.spaces.get_mut(&sid).ok_or_else(|| {
            super::bad_token(
                "the space no longer exists",
                json!({"id": "inviteTokenTargetIdInvalid"}),
            )
        })?;
        if space.support.contains_key(pid) {
            return Err(ApiError::new(
                409,
                "relationAlreadyExists",
                format!("The space {sid} is already supported by provider {pid}."),
            ));
        }
        space.support.insert(pid.to_owned(), size);
        self.providers
            .entry(pid.to_owned())
            .or_insert_with(|| Provider {
                id: pid.to_owned(),
                name: name.to_owned(),
                domain: call.domain.to_owned(),
                latitude: 0.0,
                longitude: 0.0,
                admin: creator,
                creation_time: now(),
            });
        Ok(sid)
    }

    /// Ends provider `pid`'s support of space `sid`; `false` when it gave none.
    pub(crate) fn revoke_support(&mut self, sid: &str, pid: &str) -> bool {
        self.spaces
            .get_mut(sid)
            .is_some_and(|s| s.support.remove(pid).is_some())
    }
}
