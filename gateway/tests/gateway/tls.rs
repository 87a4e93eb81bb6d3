//! TLS termination: the gateway serves its certificate over TLS, with HSTS, and serves a
//! replaced certificate without a restart.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use reqwest::{Certificate, StatusCode, tls::TlsInfo};
use uuid::Uuid;

use crate::helpers::{Stack, eventually};

const HOST: &str = "gateway.test";

/// A self-signed certificate for [`HOST`]: (certificate PEM, key PEM, certificate DER).
fn self_signed() -> (String, String, Vec<u8>) {
    let generated =
        rcgen::generate_simple_self_signed(vec![HOST.to_owned()]).expect("generate certificate");
    (
        generated.cert.pem(),
        generated.key_pair.serialize_pem(),
        generated.cert.der().to_vec(),
    )
}

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Which certificate the gateway presents to a new client now, the answer to `/healthz` and
/// whether it carried HSTS. A new client each time: one that resumed an earlier TLS session
/// would be told of the certificate of that session.
async fn served(trusted: &[&str], addr: SocketAddr) -> (Vec<u8>, StatusCode, bool) {
    let mut client = reqwest::Client::builder()
        .resolve(HOST, addr)
        .tls_info(true)
        .timeout(Duration::from_secs(10));
    for pem in trusted {
        client = client.add_root_certificate(Certificate::from_pem(pem.as_bytes()).expect("pem"));
    }
    let response = client
        .build()
        .expect("client")
        .get(format!("https://{HOST}:{}/healthz", addr.port()))
        .send()
        .await
        .expect("TLS request");
    let der = response
        .extensions()
        .get::<TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    let hsts = response.headers().contains_key("strict-transport-security");
    (der, response.status(), hsts)
}

#[tokio::test]
async fn a_replaced_certificate_is_served_without_a_restart() {
    let stack = Stack::new().await;
    let dir = Scratch(std::env::temp_dir().join(format!("holdfast-tls-{}", Uuid::new_v4())));
    std::fs::create_dir_all(&dir.0).expect("scratch dir");
    let (cert_file, key_file) = (dir.0.join("cert.pem"), dir.0.join("key.pem"));
    let (first_pem, first_key, first_der) = self_signed();
    let (second_pem, second_key, second_der) = self_signed();
    std::fs::write(&cert_file, &first_pem).expect("write cert");
    std::fs::write(&key_file, &first_key).expect("write key");
    let gateway = stack
        .gateway_with(&[
            ("GATEWAY_TLS_LISTEN_ADDR", "127.0.0.1:0".to_owned()),
            ("GATEWAY_TLS_CERT_FILE", cert_file.display().to_string()),
            ("GATEWAY_TLS_KEY_FILE", key_file.display().to_string()),
        ])
        .await;
    let tls_addr = gateway.tls_addr.expect("TLS listener");
    let trusted = [first_pem.as_str(), second_pem.as_str()];

    let (der, status, hsts) = served(&trusted, tls_addr).await;
    assert_eq!(status, StatusCode::OK);
    assert!(hsts, "HSTS over TLS");
    assert_eq!(der, first_der);

    std::fs::write(&key_file, &second_key).expect("write key");
    std::fs::write(&cert_file, &second_pem).expect("write cert");
    let swapped = eventually(Duration::from_secs(15), || async {
        served(&trusted, tls_addr).await.0 == second_der
    })
    .await;

    assert!(swapped, "the new certificate was never served");
    // Plain HTTP still works next to it.
    let (status, headers, _) = stack
        .send(
            gateway.addr,
            reqwest::Method::GET,
            "/healthz",
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("strict-transport-security").is_none());
}
