//! What the server publishes, as signed: every alert and retraction of its public feed
//! (`GET /v1/alerts`), or everything ever published, retracted alerts included (the
//! moderator API's `GET /v1/mod/published`), and the files that carry them to the
//! offline machines.
//! The root key's holder needs them to list, in the next bundle, what a retiring key
//! signed (`FormerKey::signed`); the desk needs the alerts to match new reports.

use std::path::Path;

use anyhow::{bail, Context, Result};
use jasmine_client::alert::{verify_alert_value, verify_retraction_value};
use jasmine_client::bundle::KeyBundle;
use jasmine_client::client::{JasmineClient, ModeratorCredentials};
use jasmine_client::transport::{AnyTransport, ApiRequest, Transport};
use jasmine_client::wire::AlertFeed;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::files;

/// Signed alerts and retractions, as served (`{"alert": …, "signature": …}`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Published {
    /// Signed alerts.
    pub alerts: Vec<Value>,
    /// Signed retractions.
    pub retractions: Vec<Value>,
}

/// Most pages read (of 100 entries each).
const MAX_PAGES: usize = 10_000;

/// Reads the pages of a list (`page(offset)`) until the last, gathering what they hold;
/// `what` names the list in errors.
async fn every_page<F, Fut>(what: &str, mut page: F) -> Result<Published>
where
    F: FnMut(u64) -> Fut,
    Fut: std::future::Future<Output = Result<AlertFeed>>,
{
    let mut published = Published::default();
    let mut offset = 0;
    for _ in 0..MAX_PAGES {
        let feed = page(offset).await?;
        published.alerts.extend(feed.alerts);
        published.retractions.extend(feed.retractions);
        match feed.next_offset {
            Some(next) if next > offset => offset = next,
            Some(_) => bail!("the server's {what} goes backwards; stopping"),
            None => return Ok(published),
        }
    }
    bail!("the server's {what} does not end; stopping")
}

/// Everything the server ever published, retracted alerts included (the moderator
/// API's `GET /v1/mod/published`), verified or not (whoever uses it verifies).
pub async fn fetch_all(
    client: &JasmineClient<AnyTransport>,
    credentials: &ModeratorCredentials,
) -> Result<Published> {
    every_page("list of published alerts", |offset| async move {
        Ok(client.published_page(credentials, offset).await?)
    })
    .await
}

/// Every entry of the server's public feed (retracted alerts left out), verified or
/// not (readers verify).
pub async fn fetch(transport: &AnyTransport) -> Result<Published> {
    every_page("alert feed", |offset| async move {
        let path = format!("/v1/alerts?offset={offset}&limit=100");
        let response = transport
            .send(ApiRequest::new(http::Method::GET, path))
            .await?;
        if !response.status.is_success() {
            bail!(
                "the server refused to list the alerts ({})",
                response.status
            );
        }
        serde_json::from_value(jasmine_client::canonical::parse_strict(
            &response.body,
            "alert feed",
        )?)
        .context("unexpected alert feed from the server")
    })
    .await
}

impl Published {
    /// The alerts that verify against `bundle` and are not retracted by a retraction
    /// that verifies, as signed.
    pub fn standing_alerts(&self, bundle: &KeyBundle) -> Vec<Value> {
        let retracted: Vec<String> = self
            .retractions
            .iter()
            .filter_map(|r| verify_retraction_value(r.clone(), bundle).ok())
            .map(|r| r.alert_id)
            .collect();
        self.alerts
            .iter()
            .filter(|signed| {
                verify_alert_value((*signed).clone(), bundle)
                    .is_ok_and(|alert| !retracted.contains(&alert.id))
            })
            .cloned()
            .collect()
    }

    /// Every document, alerts then retractions.
    pub fn documents(&self) -> Vec<Value> {
        self.alerts
            .iter()
            .chain(&self.retractions)
            .cloned()
            .collect()
    }

    /// Reads a file written by [`Published::write`] (or a page of `GET /v1/alerts`).
    pub fn read(path: &Path) -> Result<Published> {
        let bytes = files::read_file(path)?;
        let value = jasmine_client::canonical::parse_strict(&bytes, "published alerts")
            .with_context(|| format!("{} is not a file of published alerts", path.display()))?;
        #[derive(Deserialize)]
        struct Page {
            alerts: Vec<Value>,
            retractions: Vec<Value>,
        }
        let page: Page = serde_json::from_value(value).with_context(|| {
            format!(
                "{} is not a file of published alerts (write one with `jasmine-keys bundle published`)",
                path.display()
            )
        })?;
        Ok(Published {
            alerts: page.alerts,
            retractions: page.retractions,
        })
    }

    /// Writes the file (public data: readable by all).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        files::write_file(path, &bytes, 0o644, true)
    }
}
