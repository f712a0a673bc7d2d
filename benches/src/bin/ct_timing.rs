//! dudect-style statistical timing tests (Reparaz, Balasch, Verbauwhede, "dude, is my code
//! constant time?", 2017) of SRP's secret-dependent computations, through the `dudect-bencher`
//! crate: each test times one operation on inputs of two classes, a *fixed* secret (zero
//! exponents, one fixed `a` and password) and *random* secrets, interleaved at random, and
//! reports Welch's t-statistic between the two timing distributions (after dudect's percentile
//! cropping). |t| above 4.5 is dudect's sign of a timing leak; SECURITY.md has the figures.
//!
//! Run (a few minutes; figures are more telling on an idle machine):
//! `cargo run --release -p cognito-sigv4-benches --bin ct_timing`
//! One test: `cargo run --release -p cognito-sigv4-benches --bin ct_timing -- --filter g_pow_x`.
//! (A binary, not a `cargo bench` target: dudect-bencher's argument parser refuses the `--bench`
//! flag cargo passes.)
//! Not run by CI (timing on a shared machine); the compiled code's branches and addresses are
//! checked on every CI run by `scripts/ct_check.sh` instead.

use dudect_bencher::rand::{Rng, RngExt};
use dudect_bencher::{BenchRng, Class, CtRunner, ctbench_main};

use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::srp::internals;
use cognito_sigv4::user_pool::srp::{
    PasswordVerifierChallenge, SrpClientEphemeral, password_claim_signature,
};

/// Samples per test (both classes together).
const SAMPLES: usize = 6_000;

/// A class for each sample, at random, so that drift in the machine's speed hits both alike.
fn classes(rng: &mut BenchRng, n: usize) -> Vec<Class> {
    (0..n)
        .map(|_| {
            if rng.random::<bool>() {
                Class::Left
            } else {
                Class::Right
            }
        })
        .collect()
}

/// A random exponent of `bits` bits in `N` limbs (the fixed class is all zeros).
fn exponent<const N: usize>(rng: &mut BenchRng, class: Class, bits: u32) -> [u64; N] {
    let mut e = [0u64; N];
    if let Class::Right = class {
        for (i, limb) in e.iter_mut().enumerate() {
            let low = i as u32 * 64;
            if low < bits {
                *limb = rng.next_u64();
                if bits - low < 64 {
                    *limb &= (1u64 << (bits - low)) - 1;
                }
            }
        }
    }
    e
}

/// A fixed base below N in Montgomery form: S's base is B − k·g^x.
fn base() -> internals::Limbs {
    let mut x = [0x5ec2_e7ba_5ec2_e7ba_u64; 48];
    x[47] >>= 2;
    internals::to_mont(&x)
}

/// S's windowed exponentiation: a 1025-bit exponent (a + u·x), zero against random.
fn pow_s_1025(runner: &mut CtRunner, rng: &mut BenchRng) {
    let b = base();
    let inputs: Vec<(Class, [u64; 64])> = classes(rng, SAMPLES / 4)
        .into_iter()
        .map(|c| (c, exponent::<64>(rng, c, 1025)))
        .collect();
    for (class, e) in &inputs {
        runner.run_one(*class, || internals::pow(&b, e, 1025));
    }
}

/// g^a with the 1024-bit comb: zero against random.
fn g_pow_a_1024(runner: &mut CtRunner, rng: &mut BenchRng) {
    let inputs: Vec<(Class, [u64; 16])> = classes(rng, SAMPLES)
        .into_iter()
        .map(|c| (c, exponent::<16>(rng, c, 1024)))
        .collect();
    for (class, e) in &inputs {
        runner.run_one(*class, || internals::g_pow(e, 1024));
    }
}

/// g^x with the 256-bit comb: zero against random.
fn g_pow_x_256(runner: &mut CtRunner, rng: &mut BenchRng) {
    let inputs: Vec<(Class, [u64; 4])> = classes(rng, SAMPLES * 2)
        .into_iter()
        .map(|c| (c, exponent::<4>(rng, c, 256)))
        .collect();
    for (class, e) in &inputs {
        runner.run_one(*class, || internals::g_pow(e, 256));
    }
}

/// The whole proof: one fixed `a` and password against a fresh `a` and a random password each
/// time (the same challenge: B, salt, secret block and timestamp are public).
fn password_claim_signature_fixed_vs_random(runner: &mut CtRunner, rng: &mut BenchRng) {
    let b_hex = "ab".repeat(380);
    let ch = PasswordVerifierChallenge {
        user_pool_id: "eu-west-1_AbCdEf123",
        user_id_for_srp: "d3b07384-d9a0-4e8f-9c1b-1a2b3c4d5e6f",
        salt_hex: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        srp_b_hex: &b_hex,
        secret_block_b64: "c2VjcmV0IGJsb2NrIGZyb20gdGhlIHNlcnZpY2U=",
    };
    let fixed_a = format!("8{}", "0".repeat(255));
    let inputs: Vec<(Class, SrpClientEphemeral, Password)> = classes(rng, SAMPLES / 4)
        .into_iter()
        .map(|class| match class {
            Class::Left => (
                class,
                SrpClientEphemeral::from_private_hex(&fixed_a).unwrap(),
                Password::new("fixed password"),
            ),
            Class::Right => (
                class,
                SrpClientEphemeral::generate(),
                Password::new(format!("{:032x}", rng.random::<u128>())),
            ),
        })
        .collect();
    for (class, eph, password) in &inputs {
        runner.run_one(*class, || {
            password_claim_signature(eph, &ch, password, "Mon Jan 5 09:04:03 UTC 2026").unwrap()
        });
    }
}

/// The control: num-bigint's variable-time `modpow` on the same classes, which the test must
/// flag (|t| far above 4.5), so that a quiet result above means something.
fn control_num_bigint_vartime(runner: &mut CtRunner, rng: &mut BenchRng) {
    use num_bigint::BigUint;
    let n = BigUint::parse_bytes(
        concat!(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879",
            "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
        )
        .as_bytes(),
        16,
    )
    .unwrap();
    let b = BigUint::from(0x5ec2_e7ba_u64);
    let inputs: Vec<(Class, BigUint)> = classes(rng, SAMPLES / 4)
        .into_iter()
        .map(|c| {
            let e = exponent::<16>(rng, c, 1024);
            let bytes: Vec<u8> = e.iter().flat_map(|l| l.to_le_bytes()).collect();
            (c, BigUint::from_bytes_le(&bytes))
        })
        .collect();
    for (class, e) in &inputs {
        runner.run_one(*class, || b.modpow(e, &n));
    }
}

ctbench_main!(
    control_num_bigint_vartime,
    g_pow_a_1024,
    g_pow_x_256,
    password_claim_signature_fixed_vs_random,
    pow_s_1025
);
