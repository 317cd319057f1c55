//! TLS options against a local HTTPS server with a self-signed certificate generated here:
//! the default client refuses it, an extra root certificate or `danger_accept_invalid_certs`
//! makes it work.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::error::Error as _;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

const SERVER_INFO: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<tsResponse xmlns="http://tableau.com/api"><serverInfo>"#,
    r#"<productVersion build="20242.0.0.0">2024.2.0</productVersion>"#,
    r#"<restApiVersion>3.23</restApiVersion></serverInfo></tsResponse>"#
);

/// A local HTTPS server answering every request with a serverInfo document. Returns its base
/// URL and the certificate (PEM) it presents.
async fn https_server() -> (String, String) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let cert_pem = ck.cert.pem();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    // The ring provider explicitly, so the test never depends on a process-wide default.
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![ck.cert.der().clone()], key)
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that rejects the certificate aborts the handshake: nothing to do.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/xml;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{SERVER_INFO}",
                    SERVER_INFO.len()
                );
                let _ = tls.write_all(reply.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (format!("https://{addr}"), cert_pem)
}

fn builder(url: &str) -> tsc::ServerBuilder {
    tsc::Server::builder(url)
        .no_proxy()
        .connect_timeout(std::time::Duration::from_secs(20))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(" / ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

#[tokio::test]
async fn default_client_rejects_an_untrusted_certificate() {
    let (url, _) = https_server().await;
    let server = builder(&url).build().unwrap();
    let err = server.server_info().get().await.unwrap_err();
    assert!(
        matches!(
            err,
            tsc::Error::Transport {
                kind: tsc::TransportKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    let chain = error_chain(&err);
    assert!(chain.starts_with("connection error during GET"), "{chain}");
    assert!(
        chain.contains("check the address, network and TLS settings"),
        "{chain}"
    );
    // rustls: "invalid peer certificate: UnknownIssuer" (the self-signed issuer is not trusted).
    assert!(chain.contains("invalid peer certificate"), "{chain}");
    assert!(chain.contains("UnknownIssuer"), "{chain}");
    assert!(err.source().is_some());
}

#[tokio::test]
async fn extra_root_certificate_is_trusted() {
    let (url, pem) = https_server().await;
    let cert = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let server = builder(&url).add_root_certificate(cert).build().unwrap();
    let info = server.server_info().get().await.unwrap();
    assert_eq!(info.product_version, "2024.2.0");
    assert_eq!(info.build_number, "20242.0.0.0");
    assert_eq!(info.rest_api_version, tsc::ApiVersion::new(3, 23));
}

#[tokio::test]
async fn accept_invalid_certs_skips_verification() {
    let (url, _) = https_server().await;
    let server = builder(&url)
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let info = server.server_info().get().await.unwrap();
    assert_eq!(info.rest_api_version, tsc::ApiVersion::new(3, 23));
}
