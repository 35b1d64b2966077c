//! AWS wiring: configuration, SDK clients (built once, before the runtime loop) and the app with
//! the DynamoDB store, the SES v2 mailer and End User Messaging SMS's texter (when
//! `SMS_ORIGINATION_IDENTITY` names one to send from). Endpoints come from the SDK's own
//! variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SESV2`,
//! `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`), which `aws_config`'s defaults loader reads; nothing
//! here overrides them.
//!
//! Also, with the `test-hooks` feature only, the round-trip counter the tests and the bench attach
//! to the clients.

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use std::sync::Arc;

use crate::adapters::dynamodb::DynamoStore;
use crate::adapters::ses::SesMailer;
use crate::adapters::sms::{EndUserMessagingTexter, TextsOff};
use crate::config::{check_signing_secret, ConfigError, Defaults, ProcessEnv, SessionKeySource};
use crate::domain::session::SigningSecrets;
use crate::ports::{Clock, SystemClock};
use crate::services::StartError;
use crate::{App, Config, Serves};

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Start(#[from] StartError),
    /// No AWS credentials in the environment (Lambda always sets the execution role's).
    #[error("AWS credentials from the environment: {0}")]
    Credentials(String),
    /// The signing key's secret could not be read (the message names the call, never a value).
    #[error("reading the session signing key from Secrets Manager: {0}")]
    SigningKey(String),
}

/// A Lambda function's app: configuration from the environment (Lambda defaults: nothing that
/// makes links or sessions is guessed), `TABLE_NAME` required.
///
/// Credentials and region come from the environment variables Lambda sets (the execution role's
/// keys, `AWS_REGION`), not from the SDK's default chains: those build an STS client (for web
/// identity) and an instance-metadata client (for the region) at init, a good part of a cold
/// start, to look for what Lambda always hands over in the environment.
pub async fn app_from_env(serves: Serves) -> Result<App, SetupError> {
    use aws_config::environment::{
        EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
    };
    use aws_sdk_dynamodb::config::ProvideCredentials as _;
    let config = Config::from_env(&ProcessEnv, Defaults::lambda())?;
    let credentials = EnvironmentVariableCredentialsProvider::new();
    // No keys in the environment fails the init, loudly, rather than every call later.
    credentials
        .provide_credentials()
        .await
        .map_err(|e| SetupError::Credentials(e.to_string()))?;
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(credentials)
        .region(EnvironmentVariableRegionProvider::new());
    app_from_loader(config, loader, serves).await
}

/// The app on DynamoDB and SES v2 for an already-read configuration (the local server and the
/// operator tools call this when `TABLE_NAME` is set, on a workstation). Loads the SDK's
/// configuration from the default chain: region, credentials (profiles, SSO, ...) and endpoint
/// variables.
pub async fn app_from_config(config: Config, serves: Serves) -> Result<App, SetupError> {
    app_from_loader(
        config,
        aws_config::defaults(BehaviorVersion::latest()),
        serves,
    )
    .await
}

async fn app_from_loader(
    mut config: Config,
    loader: aws_config::ConfigLoader,
    serves: Serves,
) -> Result<App, SetupError> {
    require_table(&config)?;
    let sdk = loader
        .http_client(https_client())
        .timeout_config(timeout_config(&config))
        .load()
        .await;
    if matches!(config.session_keys, SessionKeySource::SecretsManager(_)) {
        let client = aws_sdk_secretsmanager::Client::new(&sdk);
        resolve_session_keys(&mut config, &client).await?;
    }
    app_with_sdk_config(config, &sdk, serves)
}

/// The roots AWS service endpoints chain to (Amazon Trust Services), in PEM.
const AMAZON_ROOTS: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// The HTTPS client every SDK client of a function shares: the SDK's own (hyper, rustls on
/// aws-lc, proxy settings from the environment, as `default-https-client` builds it), trusting
/// only Amazon's roots for the AWS calls it makes.
///
/// Why not the system's roots, the SDK's default: it reads and parses the whole system bundle
/// (Debian reads it twice, file and folder: ~300 certificates) for every client it builds, at
/// init, where it was most of the functions' cold start (docs/BENCHMARKS.md). Five roots parse in
/// microseconds, and a smaller trust store is a narrower one: no other CA can vouch for an AWS
/// endpoint. An endpoint whose certificate chains elsewhere (a TLS-intercepting proxy, an
/// emulator on https) is refused; the local emulators the tests use speak plain http.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_ROOTS);
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a TLS context needs no I/O to build");
    Builder::new().build_with_connector_fn(move |settings, components| {
        // Building an SDK client asks for a connector without settings, only to load the
        // system's roots early, and drops it. There are none to load: skip the TLS setup there.
        // Requests ask with their settings, and get (and share) the real one.
        if settings.is_none() && components.is_none() {
            return aws_smithy_http_client::Connector::builder().build_http();
        }
        let mut connector = ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context.clone());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// Reads the session signing key from Secrets Manager when the configuration names a secret
/// (`SESSION_SIGNING_SECRET_ID`), once, before the runtime loop: the key never sits in the
/// function's environment, where `lambda:GetFunctionConfiguration` would show it. The
/// `AWSCURRENT` version signs; `AWSPENDING` (a rotation's next key, staged) and `AWSPREVIOUS`
/// (the key before) only verify, and the JWKS lists them. The three are read at once, so init
/// pays one round trip.
pub async fn resolve_session_keys(
    config: &mut Config,
    client: &aws_sdk_secretsmanager::Client,
) -> Result<(), SetupError> {
    let SessionKeySource::SecretsManager(id) = &config.session_keys else {
        return Ok(());
    };
    let (current, next, previous) = tokio::join!(
        secret_version(client, id, "AWSCURRENT"),
        secret_version(client, id, "AWSPENDING"),
        secret_version(client, id, "AWSPREVIOUS"),
    );
    let current = current?
        .ok_or_else(|| SetupError::SigningKey("the secret has no AWSCURRENT version".to_owned()))?;
    config.session_keys = SessionKeySource::Secrets(SigningSecrets {
        current,
        next: next?,
        previous: previous?,
    });
    Ok(())
}

/// One version stage of the secret; `None` when the secret has no version in that stage. Any
/// other failure fails the init (and Lambda tries again): starting without a key that signed
/// live sessions would end them.
async fn secret_version(
    client: &aws_sdk_secretsmanager::Client,
    id: &str,
    stage: &'static str,
) -> Result<Option<secrecy::SecretString>, SetupError> {
    use aws_sdk_secretsmanager::error::DisplayErrorContext;
    use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
    let out = match client
        .get_secret_value()
        .secret_id(id)
        .version_stage(stage)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e)
            if stage != "AWSCURRENT"
                && matches!(
                    e.as_service_error(),
                    Some(GetSecretValueError::ResourceNotFoundException(_))
                ) =>
        {
            return Ok(None)
        }
        Err(e) => {
            return Err(SetupError::SigningKey(format!(
                "GetSecretValue ({stage}): {}",
                DisplayErrorContext(&e)
            )))
        }
    };
    let secret = out
        .secret_string
        .map(secrecy::SecretString::from)
        .ok_or_else(|| {
            SetupError::SigningKey(format!("the {stage} version has no SecretString"))
        })?;
    check_signing_secret("SESSION_SIGNING_SECRET_ID", &secret)?;
    Ok(Some(secret))
}

/// The same, with an SDK configuration the caller loaded.
pub fn app_with_sdk_config(
    config: Config,
    sdk: &SdkConfig,
    serves: Serves,
) -> Result<App, SetupError> {
    // Each client built once, with the timeouts: building one costs its HTTP client's check.
    let timeouts = timeout_config(&config);
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(sdk)
            .timeout_config(timeouts.clone())
            .build(),
    );
    let ses = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::config::Builder::from(sdk)
            .timeout_config(timeouts.clone())
            .build(),
    );
    // Texts only with an origination identity to send from: no client is built otherwise.
    let sms = config.sms.origination_identity.as_ref().map(|_| {
        aws_sdk_pinpointsmsvoicev2::Client::from_conf(
            aws_sdk_pinpointsmsvoicev2::config::Builder::from(sdk)
                .timeout_config(timeouts)
                .build(),
        )
    });
    app_on_clients(config, dynamodb, ses, sms, Arc::new(SystemClock), serves)
}

/// The same, with clients the caller built (tests attach interceptors and endpoints this way).
/// The configuration's timeouts are set on both clients here too, whatever they were built with,
/// so no path to the app has AWS calls without limits.
pub fn app_with_clients(
    config: Config,
    dynamodb: aws_sdk_dynamodb::Client,
    ses: aws_sdk_sesv2::Client,
    clock: Arc<dyn Clock>,
    serves: Serves,
) -> Result<App, SetupError> {
    app_with_all_clients(config, dynamodb, ses, None, clock, serves)
}

/// [`app_with_clients`], with End User Messaging SMS's client too (`None`: texts are off, as
/// without `SMS_ORIGINATION_IDENTITY`).
pub fn app_with_all_clients(
    config: Config,
    dynamodb: aws_sdk_dynamodb::Client,
    ses: aws_sdk_sesv2::Client,
    sms: Option<aws_sdk_pinpointsmsvoicev2::Client>,
    clock: Arc<dyn Clock>,
    serves: Serves,
) -> Result<App, SetupError> {
    let timeouts = timeout_config(&config);
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        dynamodb
            .config()
            .to_builder()
            .timeout_config(timeouts.clone())
            .build(),
    );
    let ses = aws_sdk_sesv2::Client::from_conf(
        ses.config()
            .to_builder()
            .timeout_config(timeouts.clone())
            .build(),
    );
    let sms = sms.map(|sms| {
        aws_sdk_pinpointsmsvoicev2::Client::from_conf(
            sms.config().to_builder().timeout_config(timeouts).build(),
        )
    });
    app_on_clients(config, dynamodb, ses, sms, clock, serves)
}

/// The app on clients that already carry the configuration's timeouts.
fn app_on_clients(
    config: Config,
    dynamodb: aws_sdk_dynamodb::Client,
    ses: aws_sdk_sesv2::Client,
    sms: Option<aws_sdk_pinpointsmsvoicev2::Client>,
    clock: Arc<dyn Clock>,
    serves: Serves,
) -> Result<App, SetupError> {
    let table = require_table(&config)?;
    let texter: Arc<dyn crate::ports::Texter> = match (sms, config.sms.origination_identity.clone())
    {
        (Some(client), Some(identity)) => Arc::new(EndUserMessagingTexter::new(
            client,
            identity,
            config.sms.configuration_set.clone(),
        )),
        _ => Arc::new(TextsOff),
    };
    let store = DynamoStore::new(dynamodb, table).with_audit_retention(config.audit_retention);
    let mailer = SesMailer::new(
        ses,
        config.from_header(),
        config.ses_configuration_set.clone(),
    );
    let breached = crate::adapters::breached::from_config(&config);
    Ok(App::new(
        config,
        Arc::new(store),
        Arc::new(mailer),
        texter,
        clock,
        breached,
        serves,
    )?)
}

/// The SDK sets no timeouts of its own: without these a DynamoDB or SES endpoint that accepts
/// the connection and never answers holds the request until the router drops it.
fn timeout_config(config: &Config) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(config.aws_timeouts.connect)
        .operation_attempt_timeout(config.aws_timeouts.attempt)
        .operation_timeout(config.aws_timeouts.operation)
        .build()
}

fn require_table(config: &Config) -> Result<String, ConfigError> {
    config.table_name.clone().ok_or_else(|| ConfigError {
        var: "TABLE_NAME",
        message: "is required: the DynamoDB table that keeps users and links".to_owned(),
    })
}

/// Counts the requests an SDK client puts on the wire (every attempt, retries included), by
/// operation name. Attach with `.interceptor(counter.clone())` on a client's config builder.
#[cfg(feature = "test-hooks")]
#[derive(Debug, Clone, Default)]
pub struct RoundTrips {
    calls: Arc<std::sync::Mutex<Vec<String>>>,
}

#[cfg(feature = "test-hooks")]
impl RoundTrips {
    /// The operations sent since the last call, in order, and starts counting afresh.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().expect("round-trip counter lock"))
    }
}

#[cfg(feature = "test-hooks")]
impl aws_smithy_runtime_api::client::interceptors::Intercept for RoundTrips {
    fn name(&self) -> &'static str {
        "RoundTrips"
    }

    fn read_before_transmit(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let operation = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map(|m| m.name().to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        self.calls
            .lock()
            .expect("round-trip counter lock")
            .push(operation);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::config::{Credentials, Region};
    use aws_sdk_dynamodb::error::SdkError;

    #[test]
    fn the_trust_store_holds_amazons_five_roots() {
        let pem = String::from_utf8_lossy(AMAZON_ROOTS);
        assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        assert_eq!(pem.matches("-----END CERTIFICATE-----").count(), 5);
    }

    #[tokio::test]
    async fn sdk_clients_on_the_shared_client_build_their_tls_from_those_roots() {
        // Building a connector parses the roots (a bad one panics there); the call then fails
        // as a refused connection, an ordinary error.
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("a", "b", None, None, "test"))
            .endpoint_url("https://127.0.0.1:9")
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .load()
            .await;
        let err = aws_sdk_dynamodb::Client::new(&sdk)
            .list_tables()
            .send()
            .await
            .unwrap_err();
        // Refused by the TCP connect: the request went through the TLS connector (a plain-http
        // connector refuses an https URL before connecting).
        assert!(matches!(err, SdkError::DispatchFailure(_)), "{err:?}");
        assert!(format!("{err:?}").contains("ConnectionRefused"), "{err:?}");
    }
}
