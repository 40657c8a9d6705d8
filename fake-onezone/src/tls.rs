//! Certificates made at run time for serving HTTPS (feature `tls`): a CA of
//! its own and a leaf it signed for the names asked for. Nothing is written
//! to disk but what a test writes itself (the CA's PEM, for `--cacert`).

use std::sync::Arc;

/// A fresh CA, and a server configuration presenting a leaf it signed.
#[derive(Debug, Clone)]
pub struct TestCerts {
    /// The CA certificate, PEM: what a client must trust.
    pub ca_pem: String,
    /// For [`crate::Config::tls`].
    pub config: Arc<rustls::ServerConfig>,
}

impl TestCerts {
    /// A leaf valid for `names` (DNS names, or IP addresses such as
    /// `127.0.0.1`), signed by a new CA.
    pub fn generate(names: &[&str]) -> Result<TestCerts, String> {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let err = |e: rcgen::Error| format!("cannot make a test certificate: {e}");
        let ca_key = KeyPair::generate().map_err(err)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "fake-onezone test CA");
        let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().map_err(err)?;
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut leaf_params = CertificateParams::new(names).map_err(err)?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "fake-onezone");
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).map_err(err)?;

        let chain = vec![leaf.der().clone(), ca_cert.der().clone()];
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
            rustls::pki_types::PrivatePkcs8KeyDer::from(leaf_key.serialize_der()),
        );
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
            .map_err(|e| format!("cannot set up TLS: {e}"))?;
        Ok(TestCerts {
            ca_pem: ca_cert.pem(),
            config: Arc::new(config),
        })
    }
}
