//! A small HTTP/1.1 client over hyper, shared by the load generator and the tests
//! (keep-alive connections, no TLS: the collector is spoken to on loopback or behind a
//! reverse proxy).

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::{connect::HttpConnector, Client as Hyper};
use hyper_util::rt::TokioExecutor;

#[derive(Clone)]
pub struct Client {
    inner: Hyper<HttpConnector, Full<Bytes>>,
}

/// An answer: status, headers and the body as text.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Default for Client {
    fn default() -> Self {
        Client { inner: Hyper::builder(TokioExecutor::new()).pool_max_idle_per_host(64).build_http() }
    }
}

impl Client {
    /// Sends a request; `headers` are (name, value) pairs.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> anyhow::Result<Answer> {
        let mut request = Request::builder().method(Method::from_bytes(method.as_bytes())?).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self.inner.request(request.body(Full::new(body.into()))?).await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Answer { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
    }

    pub async fn get(&self, url: &str, headers: &[(&str, &str)]) -> anyhow::Result<Answer> {
        self.send("GET", url, headers, Bytes::new()).await
    }

    /// POSTs as the storefront does: `text/plain`, so browsers skip the preflight.
    pub async fn post_text(&self, url: &str, body: impl Into<Bytes>) -> anyhow::Result<Answer> {
        self.send("POST", url, &[("content-type", "text/plain;charset=UTF-8")], body).await
    }
}
