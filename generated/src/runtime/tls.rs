// Copied by `cargo xtask generate` from templates/src/runtime/tls.rs; edit the template, not this file.
//! TLS for HTTP requests and WebSocket connections alike: rustls with the
//! crypto provider the application installed as the process default, else
//! ring's, and the platform's certificate verifier with its roots.

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls::crypto::CryptoProvider;

/// The only protocol a WebSocket handshake can use.
pub(crate) const WEBSOCKET_ALPN: &[&[u8]] = &[b"http/1.1"];

/// The process's default crypto provider if the application installed one,
/// else ring's (the one this crate is built with).
fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// The client configuration offering `alpn`; the verifier reads the
/// platform's roots once per process, or the reason it could not.
pub(crate) fn config(alpn: &[&[u8]]) -> Result<ClientConfig, String> {
    static BASE: OnceLock<Result<ClientConfig, String>> = OnceLock::new();
    let mut config = BASE
        .get_or_init(|| {
            let provider = provider();
            let verifier = rustls_platform_verifier::Verifier::new(Arc::clone(&provider))
                .map_err(|e| e.to_string())?;
            Ok(ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth())
        })
        .clone()?;
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Ok(config)
}

/// Makes ring's provider rustls's process default unless one is installed:
/// `reqwest` (built without aws-lc-rs, its fallback) reads it for every
/// client, this crate's and any other the application builds with the same
/// `reqwest`.
pub(crate) fn install_default_provider() {
    if CryptoProvider::get_default().is_none() {
        // Another thread may have installed one meanwhile; either serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::{WEBSOCKET_ALPN, config};

    #[test]
    fn a_websocket_offers_http_1_1_only() {
        let websocket = config(WEBSOCKET_ALPN).expect("the platform's verifier");
        assert_eq!(websocket.alpn_protocols, [b"http/1.1".to_vec()]);
    }
}
