//! The local server's `DATA_DIR`: the folder of its store, outbox and session key, and the
//! session key file itself.

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::path::Path;

use onboarding::services::bootstrap::generate_password;

/// Makes `DATA_DIR` this user's only (0700), and narrows one that already exists: the store,
/// the outbox's live links and the session key all sit in it.
pub fn prepare(data_dir: &Path) -> anyhow::Result<()> {
    let cannot = || {
        format!(
            "configuration: DATA_DIR: cannot create {}",
            data_dir.display()
        )
    };
    let mut folder = std::fs::DirBuilder::new();
    folder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        folder.mode(0o700);
        folder.create(data_dir).with_context(cannot)?;
        // `recursive` leaves an existing folder's mode as it was (a hand-made one is often 0755).
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
            .with_context(cannot)?;
    }
    #[cfg(not(unix))]
    folder.create(data_dir).with_context(cannot)?;
    Ok(())
}

/// The signing key of local sessions: generated once and kept in `DATA_DIR`, so sessions survive
/// a restart. Lambda never does this: there the key comes from configuration.
pub fn session_key(data_dir: &Path) -> anyhow::Result<SecretString> {
    let path = data_dir.join("session.key");
    match std::fs::read_to_string(&path) {
        Ok(key) => return Ok(SecretString::from(key.trim().to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let key = generate_password().expose_secret().repeat(2);
    let cannot = || format!("cannot write {}", path.display());
    // Created 0600 from the start, never readable by others for a moment (as a write and then
    // a chmod would leave it), and `create_new`: a file or link already at the name is refused,
    // not written through.
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    file.open(&path)
        .and_then(|mut f| f.write_all(key.as_bytes()))
        .with_context(cannot)?;
    Ok(SecretString::from(key))
}
