//! Alert notifiers: a Slack-compatible incoming webhook, a generic JSON webhook signed with
//! HMAC-SHA256, and SMTP email. Configured as entries of [`super::alerts::AlertConfig`]'s
//! `notifiers`:
//!
//! ```json
//! [{"kind": "slack", "url": "https://hooks.slack.com/services/..."},
//!  {"kind": "webhook", "url": "https://ops.example/hook", "secret_env": "STEGODETECT_WEBHOOK_SECRET"},
//!  {"kind": "smtp", "host": "127.0.0.1", "port": 25, "from": "stegodetect@example.org",
//!   "to": ["oncall@example.org"]}]
//! ```
//!
//! The webhook body is the [`Transition`] as JSON; its signature is sent as
//! `X-Stegodetect-Signature: sha256=<hex HMAC-SHA256 of the body>`. SMTP is plain (no TLS): point it
//! at a local relay that handles TLS and authentication onward.

use std::time::Duration;

use hmac::{Hmac, Mac};
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};
use serde::Deserialize;
use sha2::Sha256;

use super::alerts::Transition;
use crate::error::{Error, Result};

/// One notifier.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Notifier {
    /// Slack-compatible incoming webhook: `{"text": ...}`.
    Slack {
        /// Webhook URL.
        url: String,
    },
    /// Generic JSON webhook, signed when a secret is configured.
    Webhook {
        /// URL.
        url: String,
        /// Environment variable holding the HMAC secret (preferred over `secret`).
        #[serde(default)]
        secret_env: Option<String>,
        /// The HMAC secret itself.
        #[serde(default)]
        secret: Option<String>,
    },
    /// Email through an SMTP server.
    Smtp {
        /// Server host.
        host: String,
        /// Server port (default 25).
        #[serde(default = "default_smtp_port")]
        port: u16,
        /// Sender address.
        from: String,
        /// Recipients.
        to: Vec<String>,
    },
}

fn default_smtp_port() -> u16 {
    25
}

const TIMEOUT: Duration = Duration::from_secs(10);

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("notification via {what} failed: {e}"))
}

/// `sha256=<hex>` of the body under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

fn summary(t: &Transition) -> String {
    let a = &t.alert;
    format!(
        "[stegodetect] {} {} ({}): {}",
        t.event.to_uppercase(),
        a.id,
        a.severity,
        a.message
    )
}

impl Notifier {
    /// Parse the `notifiers` entries of an alert configuration.
    pub fn from_config(entries: &[serde_json::Value]) -> Result<Vec<Notifier>> {
        entries
            .iter()
            .map(|v| {
                serde_json::from_value(v.clone())
                    .map_err(|e| Error::InvalidArgument(format!("notifier {v}: {e}")))
            })
            .collect()
    }

    /// Send one transition; a failure is an error (the caller logs it and goes on).
    pub fn send(&self, t: &Transition) -> Result<()> {
        let agent = ureq::AgentBuilder::new().timeout(TIMEOUT).build();
        match self {
            Notifier::Slack { url } => agent
                .post(url)
                .send_json(serde_json::json!({ "text": summary(t) }))
                .map(|_| ())
                .map_err(|e| failed("Slack webhook", e)),
            Notifier::Webhook {
                url,
                secret_env,
                secret,
            } => {
                let body = serde_json::to_vec(t).expect("transitions serialise");
                let key = match secret_env {
                    Some(var) => Some(std::env::var(var).map_err(|_| {
                        Error::InvalidArgument(format!("webhook secret variable {var} is not set"))
                    })?),
                    None => secret.clone(),
                };
                let mut req = agent.post(url).set("Content-Type", "application/json");
                if let Some(k) = key {
                    req = req.set("X-Stegodetect-Signature", &signature(k.as_bytes(), &body));
                }
                req.send_bytes(&body)
                    .map(|_| ())
                    .map_err(|e| failed("webhook", e))
            }
            Notifier::Smtp {
                host,
                port,
                from,
                to,
            } => {
                let parse = |a: &str| {
                    a.parse::<Mailbox>()
                        .map_err(|e| Error::InvalidArgument(format!("email address {a:?}: {e}")))
                };
                let mut b = Message::builder().from(parse(from)?).subject(summary(t));
                for r in to {
                    b = b.to(parse(r)?);
                }
                let mail = b
                    .body(format!(
                        "{}\n\n{}\n",
                        summary(t),
                        serde_json::to_string_pretty(t).expect("transitions serialise")
                    ))
                    .map_err(|e| failed("email", e))?;
                SmtpTransport::builder_dangerous(host)
                    .port(*port)
                    .timeout(Some(TIMEOUT))
                    .build()
                    .send(&mail)
                    .map(|_| ())
                    .map_err(|e| failed("SMTP", e))
            }
        }
    }
}
