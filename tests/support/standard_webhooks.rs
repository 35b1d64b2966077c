//! Webhook deliveries checked as a receiver checks them, with the Standard Webhooks reference
//! library for Python (`standardwebhooks`, nobody here wrote it, installed in `.venv` by
//! infra/test-services/install.sh from requirements.txt).

use std::path::PathBuf;

use serde_json::{json, Value};

/// A receiver, as the library's README writes one: `Webhook(secret).verify(body, headers)` on the
/// raw body bytes. Prints, per delivery, `{"ok": true}` or the exception's class and message.
const VERIFY: &str = r#"
import base64, json, sys
from standardwebhooks.webhooks import Webhook
task = json.loads(sys.argv[1])
receiver = Webhook(task["secret"])
results = []
for delivery in task["deliveries"]:
    body = base64.b64decode(delivery["body"])
    try:
        receiver.verify(body, delivery["headers"])
        results.append({"ok": True})
    except Exception as e:
        results.append({"error": type(e).__name__, "message": str(e)})
print(json.dumps(results))
"#;

pub fn python() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python"));
    assert!(
        p.exists(),
        "{} is missing: `make test` (infra/test-services/install.sh) installs it",
        p.display()
    );
    p
}

/// What `standardwebhooks` makes of each delivery (`{"headers": {…}, "body": base64}`), in
/// order: `{"ok": true}`, or the exception's class and message.
pub async fn verify(whsec: &str, deliveries: Vec<Value>) -> Vec<Value> {
    let task = json!({"secret": whsec, "deliveries": deliveries});
    let out = tokio::process::Command::new(python())
        .args(["-c", VERIFY, &task.to_string()])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
