//! `argon2-probe <m_kib> <t> <runs>`: hashes one password at m KiB, t passes, p=1, then verifies it
//! `runs` times the way the product did until 2026-12 (`Argon2::default().verify_password` on the
//! parsed PHC string, fresh memory each time), and prints the median verification in
//! nanoseconds. The bench builds it with the old profile and compares it with the product's
//! verification in the same run.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::time::Instant;

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("usage: argon2-probe <m_kib> <t> <runs>"))
        .collect();
    let [m_kib, t, runs] = args[..] else {
        panic!("usage: argon2-probe <m_kib> <t> <runs>");
    };
    let params = Params::new(m_kib, t, 1, None).expect("valid argon2 parameters");
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::encode_b64(b"sixteen byte sal").expect("a valid salt");
    let password = b"copper kettle marching sideways";
    let phc = argon2
        .hash_password(password, &salt)
        .expect("hashing works")
        .to_string();
    let parsed = PasswordHash::new(&phc).expect("a valid PHC string");
    let mut times: Vec<u128> = (0..runs.max(1))
        .map(|_| {
            let started = Instant::now();
            Argon2::default()
                .verify_password(password, &parsed)
                .expect("the password verifies");
            started.elapsed().as_nanos()
        })
        .collect();
    times.sort_unstable();
    println!("{}", times[times.len() / 2]);
}
