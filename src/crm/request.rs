//! An HTTP request to make, without making it: method, path and JSON body.

use crate::crm::hubspot::{HubSpotBatchUpdate, HubSpotPropertyBatch, HubSpotPropertyGroup};
use crate::crm::salesforce::{SalesforceField, SalesforceUpsert};
use crate::schema::RecordKind;

/// The HTTP method.
///
/// ```
/// use pulsecheck::crm::Method;
///
/// assert_eq!(Method::Patch.as_str(), "PATCH");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Method {
    /// `POST`.
    #[serde(rename = "POST")]
    Post,
    /// `PATCH`.
    #[serde(rename = "PATCH")]
    Patch,
}

impl Method {
    /// The method as written in HTTP.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Patch => "PATCH",
        }
    }
}

/// A request body. Serializes as the bare body (no variant tag).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum RequestBody {
    /// HubSpot `…/batch/update` (or `…/batch/upsert`).
    HubSpotBatchUpdate(HubSpotBatchUpdate),
    /// HubSpot `/crm/v3/properties/{object}/batch/create`.
    HubSpotProperties(HubSpotPropertyBatch),
    /// HubSpot `/crm/v3/properties/{object}/groups`.
    HubSpotPropertyGroup(HubSpotPropertyGroup),
    /// Salesforce sObject Collections upsert.
    SalesforceUpsert(SalesforceUpsert),
    /// Salesforce Tooling API `CustomField` create.
    SalesforceCustomField(SalesforceField),
}

/// Which changeset records a request carries, so the host can confirm it alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Coverage {
    pub(crate) changeset: u64,
    pub(crate) kind: RecordKind,
    pub(crate) indices: Vec<usize>,
}

/// One HTTP request for the host to send: relative path (the host adds
/// `https://api.hubapi.com` or its Salesforce instance URL, and authentication).
///
/// Serializes as `{"method":"POST","path":"/crm/v3/objects/contacts/batch/update","body":{…}}`.
/// After a successful response, pass it to
/// [`SyncState::confirm_request`](crate::crm::SyncState::confirm_request).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Request {
    method: Method,
    path: String,
    body: RequestBody,
    #[serde(skip)]
    coverage: Option<Coverage>,
}

impl Request {
    pub(crate) fn new(
        method: Method,
        path: String,
        body: RequestBody,
        coverage: Option<Coverage>,
    ) -> Request {
        Request {
            method,
            path,
            body,
            coverage,
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The path, starting with `/`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The JSON body.
    pub fn body(&self) -> &RequestBody {
        &self.body
    }

    /// The object kind whose records the request carries (none for property
    /// definitions).
    pub fn kind(&self) -> Option<RecordKind> {
        self.coverage.as_ref().map(|c| c.kind)
    }

    /// How many records (or property definitions, or groups) the body holds.
    pub fn len(&self) -> usize {
        match &self.body {
            RequestBody::HubSpotBatchUpdate(b) => b.inputs().len(),
            RequestBody::HubSpotProperties(b) => b.inputs().len(),
            RequestBody::HubSpotPropertyGroup(_) | RequestBody::SalesforceCustomField(_) => 1,
            RequestBody::SalesforceUpsert(b) => b.records().len(),
        }
    }

    /// Whether the body holds nothing (never the case for built requests).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn coverage(&self) -> Option<(u64, RecordKind, &[usize])> {
        self.coverage
            .as_ref()
            .map(|c| (c.changeset, c.kind, c.indices.as_slice()))
    }

    /// The request as one line of JSON.
    #[cfg(feature = "json")]
    pub fn to_json(&self) -> Result<String, crate::crm::CrmError> {
        serde_json::to_string(self).map_err(|e| crate::crm::CrmError::Encoding {
            reason: e.to_string(),
            source: crate::ErrorSource::new(e),
        })
    }

    /// The body alone as JSON text (what goes over the wire).
    #[cfg(feature = "json")]
    pub fn body_json(&self) -> Result<String, crate::crm::CrmError> {
        serde_json::to_string(&self.body).map_err(|e| crate::crm::CrmError::Encoding {
            reason: e.to_string(),
            source: crate::ErrorSource::new(e),
        })
    }
}

/// Splits `0..n` into consecutive chunks of at most `size` (`size` ≥ 1).
pub(crate) fn chunk_ranges(n: usize, size: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let size = size.max(1);
    (0..n.div_ceil(size)).map(move |i| i * size..((i + 1) * size).min(n))
}
